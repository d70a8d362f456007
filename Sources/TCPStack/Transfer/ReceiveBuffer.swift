/// In-order bytes received and not yet read by the application (RFC 9293 RCV.USER), bounded by `SO_RCVBUF`.
public struct ReceiveBuffer: Sendable, Hashable {
    private var ring = ByteRing()
    public let capacity: Int

    public init(capacity: Int) { self.capacity = Swift.max(capacity, 0) }

    public var count: Int { ring.count }
    public var freeSpace: Int { capacity - ring.count }

    /// Stores in-order bytes; returns how many fit. The advertised window keeps the peer within the free space.
    public mutating func append<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        ring.append(bytes.prefix(Swift.max(freeSpace, 0)))
    }

    /// Moves up to `maxCount` bytes to `out`; returns how many.
    @discardableResult
    public mutating func read(maxCount: Int, into out: inout [UInt8]) -> Int {
        let n = Swift.min(maxCount, ring.count)
        ring.copy(offset: 0, count: n, into: &out)
        ring.discard(n)
        return n
    }
}
