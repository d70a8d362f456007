/// The window the receiver advertises: scaled (RFC 7323 §2), never shrinking the right edge (RFC 9293 §3.8.6,
/// RFC 7323 §2.4), and with receiver silly-window avoidance (RFC 9293 §3.8.6.2.2).
public struct ReceiveWindow: Sendable, Hashable {
    /// Rcv.Wind.Shift, 0–14 (RFC 7323 §2.3).
    public let scale: UInt8
    /// RCV.BUFF.
    public let bufferSize: Int
    /// Eff.snd.MSS of the peer's segments.
    public let mss: Int
    /// RCV.NXT + RCV.WND as last advertised; nil before the first advertisement.
    public private(set) var rightEdge: UInt32?

    public init(scale: UInt8, bufferSize: Int, mss: Int) {
        self.scale = Swift.min(scale, 14)
        self.bufferSize = bufferSize
        self.mss = mss
    }

    public struct Advertisement: Sendable, Hashable {
        /// The 16-bit header field (the window shifted right by `scale`).
        public var field: UInt16
        /// The window in bytes the field stands for.
        public var bytes: Int
    }

    /// The window for a segment sent now. `freeSpace` is RCV.BUFF − RCV.USER (room for bytes not yet received).
    public mutating func advertise(rcvNxt: UInt32, freeSpace: Int) -> Advertisement {
        let shift = Int(scale)
        let limit = 0xFFFF << shift
        let available = Swift.min(Swift.max(freeSpace, 0), limit)
        let offered = rightEdge.map { Swift.max(SequenceSpace.distance(rcvNxt, $0), 0) } ?? 0
        // Keep the right edge where it was (rounded up to the scale unit, as Linux `tcp_select_window` does) unless
        // that would offer more than the free space; then round down, the shrink by less than one unit that
        // RFC 7323 §2.4 accepts.
        var keptField = Swift.min((offered + (1 << shift) - 1) >> shift, 0xFFFF)
        if keptField << shift > available { keptField = offered >> shift }
        let field: Int
        if rightEdge == nil || available - offered >= Swift.min(bufferSize / 2, mss) {
            // RFC 9293 §3.8.6.2.2: open to the free space only once it grew by min(RCV.BUFF / 2, Eff.snd.MSS).
            field = Swift.max(available >> shift, keptField)
        } else {
            field = keptField
        }
        let bytes = field << shift
        rightEdge = rcvNxt &+ UInt32(bytes)
        return Advertisement(field: UInt16(field), bytes: bytes)
    }
}
