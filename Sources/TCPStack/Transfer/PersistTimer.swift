/// Zero-window probing (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): while the peer offers no window and data waits,
/// probe at the RTO, doubling after each probe up to the maximum (Linux `tcp_probe_timer`, `tcp_probe0_when`).
/// The connection survives as long as the peer answers; `maxUnansweredProbes` unanswered probes abort it
/// (Linux `tcp_retries2`; nil: never, as RFC 1122 requires).
public struct PersistTimer: Sendable, Hashable {
    /// When the next probe is due; nil when the timer is stopped.
    public private(set) var deadline: Instant? {
        get { deadlineValue.value }
        set { deadlineValue.value = newValue }
    }
    // Stored narrow (nanoseconds, 32-bit counts, -1 for no limit): 36 bytes instead of 80.
    private var deadlineValue = OptionalInstant()
    private var maximumNs: Int64
    private var baseNs: Int64 = 0
    private var backoffCount: Int32 = 0
    private var unanswered: Int32 = 0
    private var probeLimit: Int32
    private var firstExpiryValue = OptionalInstant()

    /// When the timer first fired in this probing episode (Linux `icsk_probes_tstamp`), for the user timeout.
    public private(set) var firstExpiry: Instant? {
        get { firstExpiryValue.value }
        set { firstExpiryValue.value = newValue }
    }

    /// The longest interval between probes: the doubling stops there.
    public var maximum: Duration {
        get { .nanoseconds(maximumNs) }
        set { maximumNs = newValue.nanosecondsValue }
    }
    /// Unanswered probes that abort the connection; nil for never.
    public var maxUnansweredProbes: Int? {
        get { probeLimit < 0 ? nil : Int(probeLimit) }
        set { probeLimit = newValue.map { Int32(clamping: Swift.max($0, 0)) } ?? -1 }
    }
    /// Doublings so far; kept while the window stays closed, cleared when it opens.
    public var backoff: Int { Int(backoffCount) }
    /// Probes sent since the peer last answered.
    public var unansweredProbes: Int { Int(unanswered) }
    private var base: Duration { .nanoseconds(baseNs) }

    /// A stopped timer with the given cap and probe limit.
    public init(maximum: Duration, maxUnansweredProbes: Int?) {
        maximumNs = maximum.nanosecondsValue
        probeLimit = maxUnansweredProbes.map { Int32(clamping: Swift.max($0, 0)) } ?? -1
    }

    /// With no probe limit; the maximum in nanoseconds.
    init(maximumNanoseconds: Int64) {
        maximumNs = maximumNanoseconds
        probeLimit = -1
    }

    /// The peer closed its window with data waiting: arm at the current RTO.
    public mutating func start(rto: Duration, at now: Instant) {
        baseNs = rto.nanosecondsValue
        if deadline == nil { deadline = now + interval }
    }

    /// The current interval: RTO · 2^backoff, capped.
    public var interval: Duration {
        var value = base
        for _ in 0..<backoffCount {
            value = value * 2
            if value >= maximum { return maximum }
        }
        return Swift.min(value, maximum)
    }

    /// What an expiry calls for.
    public enum Expiry: Hashable, Sendable {
        /// Send a one-byte probe (or a window probe at SND.UNA − 1); the timer runs to `deadline`.
        case sendProbe
        /// Too many unanswered probes: ETIMEDOUT.
        case timedOut
    }

    /// Nothing to probe for any more (the window opened, the data went, the connection ended).
    public mutating func stop() {
        deadline = nil
        backoffCount = 0
        unanswered = 0
        firstExpiry = nil
    }

    /// The connection ended: no more probes, the counts stay as TCP_INFO last saw them (Linux `tcp_done` leaves
    /// `icsk_probes_out`).
    public mutating func halt() { deadline = nil }

    /// Whether the user timeout (`timeout`) ran out since the first expiry of this episode (Linux
    /// `tcp_probe_timer`); the first expiry starts that clock.
    public mutating func userTimeoutExpired(_ timeout: Duration?, at now: Instant) -> Bool {
        guard let first = firstExpiry else {
            firstExpiry = now
            return false
        }
        guard let timeout else { return false }
        return now - first >= timeout
    }

    /// The probe just sent was dropped by the interface's queue (Linux `tcp_send_probe0`: it still counts, but the
    /// interval does not double; the next try is `TCP_RESOURCE_PROBE_INTERVAL`, 500 ms, later).
    public mutating func probeDroppedLocally(at now: Instant) {
        if backoffCount > 0 { backoffCount -= 1 }
        deadline = now + .milliseconds(500)
    }

    /// `tcp_clamp_probe0_to_user_timeout`: the next probe no later than the user timeout (at least 2 ms away).
    public mutating func clampToUserTimeout(_ timeout: Duration?, at now: Instant) {
        guard let timeout, let first = firstExpiry, let due = deadline else { return }
        let end = Swift.max(first + timeout, now + .milliseconds(2))
        if end < due { deadline = end }
    }

    /// The timer fired: returns `.timedOut` once the probe limit is reached, else counts a probe, doubles the interval
    /// and re-arms.
    public mutating func expire(at now: Instant) -> Expiry {
        if let limit = maxUnansweredProbes, unansweredProbes >= limit {
            deadline = nil
            return .timedOut
        }
        unanswered += 1
        backoffCount += 1
        deadline = now + interval
        return .sendProbe
    }

    /// An ACK answered. With the window still closed probing continues at the backed-off interval from the last
    /// probe; once it opens the timer stops and the backoff is forgotten (Linux `tcp_ack_probe`).
    public mutating func ackReceived(windowOpen: Bool, at now: Instant) {
        unanswered = 0
        if windowOpen {
            deadline = nil
            backoffCount = 0
        }
    }
}
