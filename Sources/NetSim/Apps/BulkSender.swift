import TCPStack
import TCPWire

/// Connects and pushes `totalBytes` as fast as the stack takes them, then closes.
public struct BulkSender<Stack: SimulatedStack>: SimApplication {
    public let remote: Endpoint
    public let totalBytes: Int
    public let chunk: Int
    public private(set) var sent = 0
    public private(set) var error: SocketError?
    private var socket: Stack.Socket?

    public init(remote: Endpoint, totalBytes: Int, chunk: Int = 16_384) {
        self.remote = remote
        self.totalBytes = totalBytes
        self.chunk = chunk
    }

    public mutating func start(stack: inout Stack, io: inout AppIO) {
        do throws(SocketError) {
            let s = try stack.socket(remote.address.isIPv6 ? .inet6 : .inet)
            socket = s
            try stack.connect(s, to: remote, now: io.now)
        } catch {
            self.error = error
        }
    }

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
