/// The retransmission timeout computed from round-trip samples (RFC 6298 §2), with exponential backoff (§5.5).
public struct RTOEstimator: Sendable, Hashable {
    /// The bounds and rules of one RTO computation: the RFC's or Linux's.
    public struct Parameters: Sendable, Hashable {
        /// RTO before any sample (RFC 6298 §2.1: 1 s; Linux `TCP_TIMEOUT_INIT` 1 s).
        public var initial: Duration
        /// Lower bound (RFC 6298 §2.4: 1 s; Linux `TCP_RTO_MIN`: 200 ms).
        public var minimum: Duration
        /// Upper bound, also on the backed-off value (RFC 6298 §2.5: at least 60 s; Linux `TCP_RTO_MAX`: 120 s).
        public var maximum: Duration
        /// Clock granularity G (RFC 6298 §2.2; Linux measures in microseconds).
        public var granularity: Duration
        /// Where the minimum applies.
        public var minimumRule: MinimumRule

        /// Parameters from their parts.
        public init(initial: Duration, minimum: Duration, maximum: Duration, granularity: Duration,
                    minimumRule: MinimumRule) {
            self.initial = initial
            self.minimum = minimum
            self.maximum = maximum
            self.granularity = granularity
            self.minimumRule = minimumRule
        }

        /// RFC 6298 as written: 1 s initial and minimum, 60 s maximum, 1 ms granularity.
        public static let rfc6298 = Parameters(
            initial: .seconds(1), minimum: .seconds(1), maximum: .seconds(60), granularity: .milliseconds(1),
            minimumRule: .clampTotal)
        /// Linux: 1 s initial, 200 ms minimum, 120 s maximum, microsecond clock, minimum on the variance term.
        public static let linux = Parameters(
            initial: .seconds(1), minimum: .milliseconds(200), maximum: .seconds(120), granularity: .microseconds(1),
            minimumRule: .floorVarianceTerm)
    }

    /// Where the minimum applies.
    public enum MinimumRule: Sendable, Hashable {
        /// RFC 6298 §2.4: RTO = max(SRTT + max(G, 4·RTTVAR), minimum).
        case clampTotal
        /// Linux `tcp_set_rto`: RTO = SRTT + max(4·RTTVAR, minimum), so a tiny SRTT still gives at least the minimum
        /// of slack above it (`rttvar_us` is floored at `tcp_rto_min_us`).
        case floorVarianceTerm
    }

    /// The parameters as given, to the microsecond. They are stored as 32-bit microseconds (up to 71 minutes) and
    /// the state below as nanoseconds: 48 bytes in every connection instead of 112 (a `Duration` takes 16).
    public var parameters: Parameters {
        Parameters(
            initial: .nanoseconds(initialNs), minimum: .nanoseconds(minimumNs), maximum: .nanoseconds(maximumNs),
            granularity: .nanoseconds(granularityNs), minimumRule: floorsVarianceTerm ? .floorVarianceTerm : .clampTotal)
    }
    private let initialUs: UInt32
    private let minimumUs: UInt32
    private let maximumUs: UInt32
    // 16 bits each: the granularity is 1 µs or 1 ms, the backoff stops at the maximum RTO (under 64 doublings);
    // narrow, they leave room for the minimum RTT without growing the estimator.
    private let granularityUs: UInt16
    private var backoff: Int16 = 0
    private var initialNs: Int64 { Int64(initialUs) * 1000 }
    private var minimumNs: Int64 { Int64(minimumUs) * 1000 }
    private var maximumNs: Int64 { Int64(maximumUs) * 1000 }
    private var granularityNs: Int64 { Int64(granularityUs) * 1000 }
    /// Smoothed RTT in nanoseconds; -1 before the first sample (samples are never negative).
    private var srttNs: Int64 = -1
    private var rttvarNs: Int64 = 0
    private var baseNs: Int64
    /// The smallest RTT sample, in microseconds; `UInt32.max` before the first (Linux `tcp_min_rtt`, without its
    /// 5-minute window).
    private var minimumRTTUs = UInt32.max
    private let floorsVarianceTerm: Bool
    /// Consecutive doublings since the last valid sample (RFC 6298 §5.5, Linux `icsk_backoff`).
    public var backoffCount: Int { Int(backoff) }

    /// An estimator before any sample: the RTO is `parameters.initial`.
    public init(parameters: Parameters) {
        initialUs = Self.microseconds(parameters.initial)
        minimumUs = Self.microseconds(parameters.minimum)
        maximumUs = Self.microseconds(parameters.maximum)
        granularityUs = UInt16(clamping: Self.microseconds(parameters.granularity))
        floorsVarianceTerm = parameters.minimumRule == .floorVarianceTerm
        baseNs = Int64(initialUs) * 1000
    }

    /// From microseconds, without `Duration` arithmetic (for defaults built per connection).
    init(initialUs: UInt32, minimumUs: UInt32, maximumUs: UInt32, granularityUs: UInt32, floorsVarianceTerm: Bool) {
        self.initialUs = initialUs
        self.minimumUs = minimumUs
        self.maximumUs = maximumUs
        self.granularityUs = UInt16(clamping: granularityUs)
        self.floorsVarianceTerm = floorsVarianceTerm
        baseNs = Int64(initialUs) * 1000
    }

    /// SRTT, the smoothed round-trip time; nil before the first sample.
    public var smoothedRTT: Duration? { srttNs < 0 ? nil : .nanoseconds(srttNs) }
    /// The smallest RTT sample; nil before the first.
    public var minimumRTT: Duration? { minimumRTTUs == .max ? nil : .microseconds(Int64(minimumRTTUs)) }
    /// RTTVAR, the round-trip time variation; zero before the first sample.
    public var rttVariance: Duration { .nanoseconds(rttvarNs) }

    /// The current timeout, backoff included, capped at the maximum (RFC 6298 §5.5).
    public var rto: Duration {
        let maxNs = maximumNs
        var value = baseNs
        for _ in 0..<backoff {
            value *= 2
            if value >= maxNs { return .nanoseconds(maxNs) }
        }
        return .nanoseconds(Swift.min(value, maxNs))
    }

    /// Feed one valid RTT measurement R (RFC 6298 §2.2, §2.3). The caller applies Karn's rule (§3) before calling;
    /// a valid sample ends the backoff (§5.7; Linux resets `icsk_backoff` in `tcp_ack_update_rtt`).
    public mutating func addSample(_ rtt: Duration) {
        let r = Swift.max(rtt.nanosecondsValue, 0)
        minimumRTTUs = Swift.min(minimumRTTUs, UInt32(clamping: r / 1000))
        if srttNs >= 0 {
            let srtt = srttNs
            // RFC 6298 §2.3: RTTVAR first, with the old SRTT; alpha = 1/8, beta = 1/4.
            rttvarNs = (3 * rttvarNs + abs(srtt - r)) / 4
            srttNs = (7 * srtt + r) / 8
        } else {
            // RFC 6298 §2.2: the first measurement.
            srttNs = r
            rttvarNs = r / 2
        }
        baseNs = computeBase()
        backoff = 0
    }

    /// The timer expired: double the RTO (RFC 6298 §5.5).
    public mutating func backOff() {
        if rto.nanosecondsValue < maximumNs { backoff += 1 }
    }

    private static func microseconds(_ d: Duration) -> UInt32 {
        UInt32(clamping: Swift.max(d.nanosecondsValue, 0) / 1000)
    }

    private func computeBase() -> Int64 {
        let srtt = Swift.max(srttNs, 0)
        let g = granularityNs
        let minNs = minimumNs
        let variance = Swift.max(g, 4 * rttvarNs)
        let value: Int64
        if floorsVarianceTerm {
            value = srtt + Swift.max(variance, minNs)  // Linux tcp_set_rto, not the RFC
        } else {
            value = Swift.max(srtt + variance, minNs)  // RFC 6298 §2.4
        }
        return Swift.min(value, maximumNs)
    }
}
