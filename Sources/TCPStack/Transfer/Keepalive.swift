/// TCP keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): after `idle` without receiving anything, probe every
/// `interval`; when `count` probes went unanswered the next expiry aborts with ETIMEDOUT (Linux
/// `tcp_keepalive_timer`: `tcp_keepalive_time` 7200 s, `tcp_keepalive_intvl` 75 s, `tcp_keepalive_probes` 9).
public struct Keepalive: Sendable, Hashable {
    public var idle: Duration
    public var interval: Duration
    public var count: Int
    public private(set) var lastReceived: Instant
    public private(set) var probesSent = 0
    private var lastProbe = Instant.zero

    public init(idle: Duration = .seconds(7200), interval: Duration = .seconds(75), count: Int = 9,
                lastReceived: Instant) {
        self.idle = idle
        self.interval = interval
        self.count = count
        self.lastReceived = lastReceived
    }

    /// When the timer fires next.
    public var deadline: Instant { probesSent == 0 ? lastReceived + idle : lastProbe + interval }

    public enum Expiry: Hashable, Sendable {
        /// Not yet due, or data is outstanding and the retransmission timer is in charge (Linux does not probe then).
        case none
        /// Send a probe: an ACK with SEG.SEQ = SND.NXT − 1 (RFC 1122 §4.2.3.6).
        case sendProbe
        /// `count` probes unanswered: abort with ETIMEDOUT.
        case timedOut
    }

    public mutating func expire(dataOutstanding: Bool, at now: Instant) -> Expiry {
        guard now >= deadline, !dataOutstanding else { return .none }
        if probesSent >= count { return .timedOut }
        probesSent += 1
        lastProbe = now
        return .sendProbe
    }

    /// Any segment from the peer proves it alive.
    public mutating func segmentReceived(at now: Instant) {
        lastReceived = now
        probesSent = 0
    }
}
