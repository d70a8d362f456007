/// Urgent data, handled as RFC 6093 recommends: the urgent pointer is parsed and remembered, but the bytes stay in
/// the stream and are delivered in order (as with `SO_OOBINLINE`); nothing is ever delivered out of band.
public struct UrgentPointer: Sendable, Hashable {
    /// RCV.UP: one past the last urgent byte (RFC 6093 §3: the pointer points to the byte after the urgent data).
    public private(set) var mark: UInt32?

    public init() {}

    /// A segment with the URG flag arrived. A zero pointer names no urgent data and is ignored; the mark only
    /// moves forward, and a mark at or below the reader's position (`readSeq`, the next byte the application will
    /// read) means nothing (Linux `tcp_check_urg` against `copied_seq`).
    public mutating func segmentArrived(seq: UInt32, pointer: UInt16, readSeq: UInt32) {
        guard pointer > 0 else { return }
        let candidate = seq &+ UInt32(pointer)
        guard SequenceSpace.lt(readSeq, candidate) else { return }
        if let current = mark, !SequenceSpace.lt(current, candidate) { return }
        mark = candidate
    }

    /// Whether urgent data lies ahead of the reader at `readSeq` (for a SIGURG/poll signal only).
    public func isPending(readSeq: UInt32) -> Bool { mark.map { SequenceSpace.lt(readSeq, $0) } ?? false }
}
