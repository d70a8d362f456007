/// The retransmission timer of RFC 6298 §5, with RTT timing under Karn's rule (§3) and a retry limit that ends the
/// connection with ETIMEDOUT (`tcp_syn_retries` for a SYN, `tcp_retries2` for data; RFC 9293 §3.8.3 R2).
public struct RetransmissionTimer: Sendable, Hashable {
    public var estimator: RTOEstimator
    /// Retransmissions allowed before the next expiry gives up.
    public var maxRetransmissions: Int
    /// When the timer fires; nil when stopped.
    public private(set) var deadline: Instant?
    /// Consecutive expiries without forward progress (Linux `icsk_retransmits`).
    public private(set) var retransmissions: Int = 0
    /// The one segment being timed: its end and when it was sent (RFC 6298 §3: one sample per RTT is enough).
    private var timedEnd: UInt32?
    private var timedSentAt = Instant.zero

    public init(parameters: RTOEstimator.Parameters, maxRetransmissions: Int) {
        estimator = RTOEstimator(parameters: parameters)
        self.maxRetransmissions = maxRetransmissions
    }

    /// A segment covering [seq, end) left. Times it when nothing is being timed and it is not a retransmission
    /// (Karn's rule, RFC 6298 §3), and starts the timer if it is not running (RFC 6298 §5.1).
    public mutating func segmentSent(end: UInt32, isRetransmission: Bool, at now: Instant) {
        if isRetransmission {
            timedEnd = nil  // RFC 6298 §3: a retransmitted segment's ACK is ambiguous
        } else if timedEnd == nil {
            timedEnd = end
            timedSentAt = now
        }
        if deadline == nil { deadline = now + estimator.rto }
    }

    /// An ACK moved SND.UNA to `ack`. `timestampRTT` is an RTTM sample from TSecr (RFC 7323 §4), which stays valid
    /// across retransmissions. Restarts the timer while data is outstanding (§5.3), stops it otherwise (§5.2).
    public mutating func ackAdvanced(to ack: UInt32, dataOutstanding: Bool, timestampRTT: Duration?,
                                     at now: Instant) {
        if let rtt = timestampRTT {
            estimator.addSample(rtt)
        } else if let end = timedEnd, SequenceSpace.le(end, ack) {
            estimator.addSample(now - timedSentAt)
        }
        if let end = timedEnd, SequenceSpace.le(end, ack) { timedEnd = nil }
        retransmissions = 0
        deadline = dataOutstanding ? now + estimator.rto : nil
    }

    public enum Expiry: Hashable, Sendable {
        /// Retransmit the earliest unacknowledged segment (RFC 6298 §5.4); the timer now runs to `deadline`.
        case retransmit
        /// The retry budget is spent: abort with ETIMEDOUT.
        case timedOut
    }

    /// The timer fired (RFC 6298 §5.4–5.6): back off and restart, or give up.
    public mutating func expire(at now: Instant) -> Expiry {
        timedEnd = nil  // RFC 6298 §3 (Karn): the timed segment is retransmitted now
        if retransmissions >= maxRetransmissions {
            deadline = nil
            return .timedOut
        }
        retransmissions += 1
        estimator.backOff()  // RFC 6298 §5.5
        deadline = now + estimator.rto  // RFC 6298 §5.6
        return .retransmit
    }

    public mutating func stop() {
        deadline = nil
        timedEnd = nil
    }
}
