/// When to acknowledge received data (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2, RFC 5681 §4.2): at least every second
/// full-sized segment, within `delay` otherwise, and at once for out-of-order data, a filled gap or a duplicate,
/// followed by a few immediate ACKs ("quick-ACK" mode, Linux `tcp_enter_quickack_mode`).
public struct DelayedAck: Sendable, Hashable {
    /// The delayed-ACK timeout (RFC 1122: at most 0.5 s; Linux starts at `TCP_ATO_MIN` 40 ms).
    public var delay: Duration
    /// Segments ACKed immediately after loss or reordering (Linux `TCP_MAX_QUICKACKS` 16; 0 for the RFC).
    public var quickAckSegments: Int
    /// When the pending ACK must go out; nil when nothing is pending.
    public private(set) var deadline: Instant?
    private var fullSegmentsUnacked = 0
    private var quickAcksLeft = 0

    public init(delay: Duration, quickAckSegments: Int) {
        self.delay = delay
        self.quickAckSegments = quickAckSegments
    }

    public static let linux = DelayedAck(delay: .milliseconds(40), quickAckSegments: 16)
    public static let rfc = DelayedAck(delay: .milliseconds(200), quickAckSegments: 0)

    /// Data arrived. `irregular`: out of order, a filled gap or a duplicate (a `ReassemblyQueue.Outcome` says).
    /// Returns true when an ACK must be sent now; otherwise `deadline` is armed.
    public mutating func dataReceived(length: Int, mss: Int, irregular: Bool, at now: Instant) -> Bool {
        if irregular {
            quickAcksLeft = quickAckSegments  // RFC 5681 §4.2: ACK at once, and (Linux) for a while after
            return true
        }
        if quickAcksLeft > 0 {
            quickAcksLeft -= 1
            return true
        }
        if length >= mss {
            fullSegmentsUnacked += 1
            if fullSegmentsUnacked >= 2 { return true }  // RFC 1122 §4.2.3.2: every second full-sized segment
        }
        if deadline == nil { deadline = now + delay }
        return false
    }

    /// An ACK went out (piggybacked or pure): nothing is pending.
    public mutating func ackSent() {
        deadline = nil
        fullSegmentsUnacked = 0
    }

    /// Whether the timer is due at `now`.
    public func isDue(at now: Instant) -> Bool { deadline.map { $0 <= now } ?? false }
}
