import TCPStack
import TCPWire

/// Listens on a port and writes back whatever each connection sends; closes when the peer does, or right after
/// its first echo when `closeAfterEcho` is set (the server closing first). That close() comes a millisecond after
/// the echo, as a separate call: on a kernel loopback the receiver has acknowledged the echo before send() returns.
/// If bind() fails (the port is taken, e.g. by a self-connected client) it prints the error like a server would.
public struct EchoServer<Stack: SimulatedStack>: SimApplication {
    /// The endpoint the server binds and listens on.
    public let local: Endpoint
    /// Whether the server closes each connection a millisecond after its first echo.
    public let closeAfterEcho: Bool
    /// Sent when the peer half-closes, before this side closes (a millisecond later, as after an echo).
    public let farewell: [UInt8]
    /// Why `bind` or `listen` failed, if it did; the server then has no listener.
    public private(set) var bindError: SocketError?
    /// Bytes written back so far, over every connection.
    public private(set) var echoedBytes = 0
    private var listener: Stack.Socket?
    private var connections: [Stack.Socket] = []
    private var closing: [Stack.Socket] = []

    /// A server for `local`; it binds and listens when the simulator starts it.
    public init(local: Endpoint, closeAfterEcho: Bool = false, farewell: [UInt8] = []) {
        self.local = local
        self.farewell = farewell
        self.closeAfterEcho = closeAfterEcho
    }

    /// Binds and listens with a backlog of 128, printing the listening line or the bind error as a server would.
    public mutating func start(stack: inout Stack, io: inout AppIO) {
        do throws(SocketError) {
            let s = try stack.socket(local.address.isIPv6 ? .inet6 : .inet)
            listener = s
            do throws(SocketError) {
                try stack.bind(s, to: local)
                try stack.listen(s, backlog: 128)
                io.print("echo server: listening on \(AddressText.endpoint(local))")
            } catch {
                stack.close(s, now: io.now)
                listener = nil
                throw error
            }
        } catch {
            bindError = error
            io.print("echo server: bind \(AddressText.endpoint(local)): \(error.strerror) (\(error.errnoName))")
        }
    }

    /// Accepts every waiting connection, echoes whatever is readable, and closes a connection when its peer does (after
    /// the farewell, if any).
    public mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO) {
        switch event {
        case .acceptable(let l) where l == listener:
            while let c = try? stack.accept(l) { connections.append(c) }
        case .readable(let c) where connections.contains(c):
            while let bytes = try? stack.read(c, maxBytes: 65_536, now: io.now), !bytes.isEmpty {
                echoedBytes += (try? stack.send(c, bytes, now: io.now)) ?? 0
            }
            if closeAfterEcho && echoedBytes > 0 && !closing.contains(c) {
                closing.append(c)
                io.wake(after: .milliseconds(1))
            }
        case .peerClosed(let c) where connections.contains(c) && !farewell.isEmpty:
            _ = try? stack.send(c, farewell, now: io.now)
            if !closing.contains(c) {
                closing.append(c)
                io.wake(after: .milliseconds(1))
            }
        case .peerClosed(let c) where connections.contains(c), .failed(let c, _) where connections.contains(c):
            stack.close(c, now: io.now)
            connections.removeAll { $0 == c }
        default:
            break
        }
    }

    /// Closes the connections that were waiting for their millisecond after an echo or a farewell.
    public mutating func wake(stack: inout Stack, io: inout AppIO) {
        for c in closing where connections.contains(c) {
            stack.close(c, now: io.now)
            connections.removeAll { $0 == c }
        }
        closing.removeAll()
    }
}
