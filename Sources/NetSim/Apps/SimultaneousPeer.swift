import TCPStack
import TCPWire

/// One of two peers that bind a fixed port and connect to each other at the same moment, so their SYNs
/// cross on the wire (RFC 9293 figure 7). Once connected it sends a greeting and prints what it reads.
public struct SimultaneousPeer<Stack: SimulatedStack>: SimApplication {
    /// The peer's name in the story, e.g. `A`.
    public let name: String
    /// The endpoint this peer binds before it connects.
    public let local: Endpoint
    /// The endpoint it connects to: the other peer's bound endpoint.
    public let remote: Endpoint
    /// True once the connect completed.
    public private(set) var connected = false
    /// Why bind, connect or the connection failed, if one did.
    public private(set) var error: SocketError?
    private var socket: Stack.Socket?
    private var received: [UInt8] = []
    private var greeted = false

    /// A peer named `name` that binds `local` and connects to `remote` when started.
    public init(name: String, local: Endpoint, remote: Endpoint) {
        self.name = name
        self.local = local
        self.remote = remote
    }

    /// Binds and connects, printing the connect line or the error.
    public mutating func start(stack: inout Stack, io: inout AppIO) {
        do throws(SocketError) {
            let s = try stack.socket(local.address.isIPv6 ? .inet6 : .inet)
            socket = s
            try stack.bind(s, to: local)
            io.print("\(name): connect \(AddressText.endpoint(local)) -> \(AddressText.endpoint(remote))")
            try stack.connect(s, to: remote, now: io.now)
        } catch {
            self.error = error
            io.print("\(name): \(error.strerror)")
        }
    }

    /// Greets once connected, prints each line it reads, and closes after the first line (or on EOF): both peers
    /// closing shows a simultaneous close.
    public mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO) {
        guard let s = socket, event.socket == s else { return }
        switch event {
        case .connected:
            connected = true
            io.print("\(name): connected")
            _ = try? stack.send(s, Array("hello from \(name)\r\n".utf8), now: io.now)
        case .readable, .peerClosed:
            while let bytes = try? stack.read(s, maxBytes: 65_536, now: io.now), !bytes.isEmpty { received += bytes }
            while let end = received.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(received[..<end])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                received.removeSubrange(...end)
                greeted = true
                io.print("\(name): read \"\(String(decoding: line, as: UTF8.self))\"")
            }
            // One greeting each way is the whole conversation; closing after it also shows a simultaneous close.
            if greeted || event == .peerClosed(s) {
                stack.close(s, now: io.now)
                socket = nil
            }
        case .failed(_, let e):
            error = e
            io.print("\(name): \(e.strerror)")
            stack.close(s, now: io.now)
            socket = nil
        case .acceptable:
            break
        }
    }
}
