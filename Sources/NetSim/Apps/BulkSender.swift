import TCPStack
import TCPWire

/// Connects and pushes `totalBytes` as fast as the stack takes them, then closes.
public struct BulkSender<Stack: SimulatedStack>: SimApplication {
    /// The endpoint the sender connects to.
    public let remote: Endpoint
    /// How many bytes it sends before closing.
    public let totalBytes: Int
    /// The most bytes handed to one `send` call.
    public let chunk: Int
    /// Bytes the stack has taken so far.
    public private(set) var sent = 0
    /// Why the connect or the connection failed, if it did.
    public private(set) var error: SocketError?
    private var socket: Stack.Socket?

    /// A sender of `totalBytes` to `remote`, in calls of at most `chunk` bytes. It connects when the simulator starts
    /// it.
    public init(remote: Endpoint, totalBytes: Int, chunk: Int = 16_384) {
        self.remote = remote
        self.totalBytes = totalBytes
        self.chunk = chunk
    }

    /// Opens a socket of the remote's family and connects; a failure is kept in `error`.
    public mutating func start(stack: inout Stack, io: inout AppIO) {
        do throws(SocketError) {
            let s = try stack.socket(remote.address.isIPv6 ? .inet6 : .inet)
            socket = s
            try stack.connect(s, to: remote, now: io.now)
        } catch {
            self.error = error
        }
    }

    /// Starts pushing once connected; on a failure, keeps the error and closes. Events for other sockets are ignored.
    public mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO) {
        guard let s = socket, event.socket == s else { return }
        switch event {
        case .connected: push(stack: &stack, io: &io)
        case .failed(_, let e):
            error = e
            io.print("bulk sender: \(e.strerror)")
            stack.close(s, now: io.now)
            socket = nil
        default: break
        }
    }

    /// Sends what the stack accepts; when its buffer is full, tries again a millisecond later.
    public mutating func wake(stack: inout Stack, io: inout AppIO) { push(stack: &stack, io: &io) }

    private mutating func push(stack: inout Stack, io: inout AppIO) {
        guard let s = socket else { return }
        while sent < totalBytes {
            let n = min(chunk, totalBytes - sent)
            let taken = (try? stack.send(s, [UInt8](repeating: UInt8(truncatingIfNeeded: sent), count: n), now: io.now)) ?? 0
            sent += taken
            if taken < n {
                io.wake(after: .milliseconds(1))
                return
            }
        }
        io.print("bulk sender: sent \(sent) bytes")
        stack.close(s, now: io.now)
        socket = nil
    }
}
