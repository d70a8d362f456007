/// Zero-window probing (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): while the peer offers no window and data waits,
/// probe at the RTO, doubling after each probe up to the maximum (Linux `tcp_probe_timer`, `tcp_probe0_when`).
/// The connection survives as long as the peer answers; `maxUnansweredProbes` unanswered probes abort it
/// (Linux `tcp_retries2`; nil: never, as RFC 1122 requires).
public struct PersistTimer: Sendable, Hashable {
    public var maximum: Duration
    public var maxUnansweredProbes: Int?
    public private(set) var deadline: Instant?
    /// Doublings so far; kept while the window stays closed, cleared when it opens.
    public private(set) var backoff = 0
    public private(set) var unansweredProbes = 0
    private var base: Duration = .zero

    public init(maximum: Duration, maxUnansweredProbes: Int?) {
        self.maximum = maximum
        self.maxUnansweredProbes = maxUnansweredProbes
    }

    /// The peer closed its window with data waiting: arm at the current RTO.
    public mutating func start(rto: Duration, at now: Instant) {
        base = rto
        if deadline == nil { deadline = now + interval }
    }

    /// The current interval: RTO · 2^backoff, capped.
    public var interval: Duration {
        var value = base
        for _ in 0..<backoff {
            value = value * 2
            if value >= maximum { return maximum }
        }
        return Swift.min(value, maximum)
    }

    public enum Expiry: Hashable, Sendable {
        /// Send a one-byte probe (or a window probe at SND.UNA − 1); the timer runs to `deadline`.
        case sendProbe
        /// Too many unanswered probes: ETIMEDOUT.
        case timedOut
    }

    public mutating func expire(at now: Instant) -> Expiry {
        if let limit = maxUnansweredProbes, unansweredProbes >= limit {
            deadline = nil
            return .timedOut
        }
        unansweredProbes += 1
        backoff += 1
        deadline = now + interval
        return .sendProbe
    }

    /// An ACK answered. With the window still closed probing continues at the backed-off interval from the last
    /// probe; once it opens the timer stops and the backoff is forgotten (Linux `tcp_ack_probe`).
    public mutating func ackReceived(windowOpen: Bool, at now: Instant) {
        unansweredProbes = 0
        if windowOpen {
            deadline = nil
            backoff = 0
        }
    }
}
