import TCPStack
import TCPWire

/// Listens on a port and reads whatever each connection sends, throwing it away (a discard service);
/// closes when the peer does.
public struct SinkServer<Stack: SimulatedStack>: SimApplication {
    /// The endpoint the server binds and listens on.
    public let local: Endpoint
    /// Bytes read and thrown away so far, over every connection.
    public private(set) var receivedBytes = 0
    private var listener: Stack.Socket?
    private var connections: [Stack.Socket] = []

    /// A discard server for `local`; it binds and listens when started.
    public init(local: Endpoint) { self.local = local }

    /// Binds and listens with a backlog of 128; a failure is printed as a server would.
    public mutating func start(stack: inout Stack, io: inout AppIO) {
        do throws(SocketError) {
            let s = try stack.socket(local.address.isIPv6 ? .inet6 : .inet)
            listener = s
            try stack.bind(s, to: local)
            try stack.listen(s, backlog: 128)
        } catch {
            io.print("sink server: bind \(AddressText.endpoint(local)): \(error.strerror) (\(error.errnoName))")
        }
    }

    /// Accepts every waiting connection, reads and counts what arrives, and on EOF or error prints the total and
    /// closes.
    public mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO) {
        switch event {
        case .acceptable(let l) where l == listener:
            while let c = try? stack.accept(l) { connections.append(c) }
        case .readable(let c) where connections.contains(c):
            while let bytes = try? stack.read(c, maxBytes: 65_536, now: io.now), !bytes.isEmpty {
                receivedBytes += bytes.count
            }
        case .peerClosed(let c) where connections.contains(c), .failed(let c, _) where connections.contains(c):
            while let bytes = try? stack.read(c, maxBytes: 65_536, now: io.now), !bytes.isEmpty {
                receivedBytes += bytes.count
            }
            io.print("sink server: received \(receivedBytes) bytes")
            stack.close(c, now: io.now)
            connections.removeAll { $0 == c }
        default:
            break
        }
    }
}
