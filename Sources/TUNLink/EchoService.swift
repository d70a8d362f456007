import TCPStack
import TCPWire

/// RFC 862 echo on our stack: every byte a client sends comes back; when the client closes its side, we close
/// ours once everything is echoed.
public struct EchoService: Sendable {
    public let listener: SocketID
    /// Bytes received but not yet taken by `send` (the send buffer was full), per connection.
    private var pending: [SocketID: [UInt8]] = [:]
    private var peerDone: Set<SocketID> = []
    public private(set) var acceptedCount = 0
    public private(set) var echoedBytes = 0

    public init(stack: inout HostStack, address: IPv4Address, port: UInt16) throws(SocketError) {
        listener = stack.socket()
        try stack.bind(listener, to: Endpoint(.v4(address), port))
        try stack.listen(listener, backlog: 128)
    }

    /// Reacts to the stack's events and retries echoes the send buffer refused before.
    public mutating func step(stack: inout HostStack, events: [SocketEvent], now: Instant) {
        for event in events {
            switch event {
            case .acceptReady(let l) where l == listener:
                while let child = try? stack.accept(listener) {
                    pending[child] = []
                    acceptedCount += 1
                }
            case .reset(let s), .timedOut(let s), .closed(let s):
                if pending.removeValue(forKey: s) != nil { try? stack.close(s, now: now) }
                peerDone.remove(s)
            default:
                break
            }
        }
        for s in Array(pending.keys) { service(s, stack: &stack, now: now) }
    }

    private mutating func service(_ s: SocketID, stack: inout HostStack, now: Instant) {
        while pending[s]?.isEmpty == true, !peerDone.contains(s) {
            do {
                let bytes = try stack.receive(s, maxBytes: 65536, now: now)
                if bytes.isEmpty { peerDone.insert(s) } else { pending[s] = bytes }
            } catch {
                break
            }
            flushPending(s, stack: &stack, now: now)
        }
        flushPending(s, stack: &stack, now: now)
        if peerDone.contains(s), pending[s]?.isEmpty == true {
            // RFC 862: the server closes when the client has closed and all is echoed.
            try? stack.close(s, now: now)
            pending[s] = nil
            peerDone.remove(s)
        }
    }

    private mutating func flushPending(_ s: SocketID, stack: inout HostStack, now: Instant) {
        guard var bytes = pending[s], !bytes.isEmpty else { return }
        do {
            let taken = try stack.send(s, bytes, now: now)
            echoedBytes += taken
            bytes.removeFirst(taken)
            pending[s] = bytes
        } catch .wouldBlock {
            return
        } catch {
            // The connection is gone (reset, broken pipe): drop what we hold.
            try? stack.close(s, now: now)
            pending[s] = nil
            peerDone.remove(s)
        }
    }
}
