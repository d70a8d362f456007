/// Bytes the application wrote and the peer has not acknowledged, addressed by sequence number from SND.UNA
/// (RFC 9293 §3.3.1). `send` is bounded by the capacity (`SO_SNDBUF`, Linux `tcp_wmem`).
public struct SendBuffer: Sendable, Hashable {
    private var ring = ByteRing()
    public let capacity: Int
    /// Sequence number of the first byte held (SND.UNA once data flows).
    public private(set) var startSeq: UInt32

    public init(capacity: Int, startSeq: UInt32) {
        self.capacity = Swift.max(capacity, 0)
        self.startSeq = startSeq
    }

    public var count: Int { ring.count }
    public var freeSpace: Int { capacity - ring.count }
    /// One past the last byte held.
    public var endSeq: UInt32 { startSeq &+ UInt32(ring.count) }

    /// Queues what fits; returns the number of bytes accepted (0: the caller reports EAGAIN).
    public mutating func append<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        ring.append(bytes.prefix(Swift.max(freeSpace, 0)))
    }

    /// Releases bytes below `ack`; returns how many were released.
    @discardableResult
    public mutating func acknowledge(upTo ack: UInt32) -> Int {
        let n = Swift.min(Swift.max(SequenceSpace.distance(startSeq, ack), 0), ring.count)
        ring.discard(n)
        startSeq = startSeq &+ UInt32(n)
        return n
    }

    /// Appends up to `maxCount` bytes starting at `seq` to `out` (for a segment or a retransmission); returns how
    /// many. Nothing is copied for a `seq` outside the buffer.
    @discardableResult
    public func copy(from seq: UInt32, maxCount: Int, into out: inout [UInt8]) -> Int {
        let offset = SequenceSpace.distance(startSeq, seq)
        guard offset >= 0, offset < ring.count else { return 0 }
        let n = Swift.min(maxCount, ring.count - offset)
        ring.copy(offset: offset, count: n, into: &out)
        return n
    }
}
