/// The window state every algorithm shares, in bytes.
public struct CongestionWindow: Sendable, Hashable {
    // Stored narrow (windows in 32 bits, clamped beyond 4 GiB; the MSS and the duplicate-ACK count in 16): one
    // sits in every connection, whose size a test bounds. The engine reads them as `Int` through the accessors.
    private var cwndValue: UInt32
    private var ssthreshValue: UInt32
    private var recoverValue: UInt32 = 0
    private let mssValue: UInt16
    private var duplicateAcksValue: UInt16 = 0
    private var hasRecover = false
    /// In fast recovery (RFC 6582): from the third duplicate ACK until `recover` is acknowledged.
    public var inFastRecovery = false
    /// Whether a partial ACK already restarted the retransmission timer in this recovery (RFC 6582 §3.2 step 5,
    /// the "Impatient" variant: only the first one does).
    public var partialAckSeen = false

    /// The congestion window: bytes the sender may have in flight.
    public var cwnd: Int {
        get { Int(cwndValue) }
        set { cwndValue = UInt32(clamping: newValue) }
    }
    /// The slow-start threshold: below it cwnd grows by slow start, above it by congestion avoidance.
    public var ssthresh: Int {
        get { Int(ssthreshValue) }
        set { ssthreshValue = UInt32(clamping: newValue) }
    }
    /// Sender maximum segment size (SMSS).
    public var mss: Int { Int(mssValue) }
    /// Duplicate ACKs seen in a row (RFC 5681 §3.2).
    public var duplicateAcks: Int {
        get { Int(duplicateAcksValue) }
        set { duplicateAcksValue = UInt16(clamping: newValue) }
    }
    /// RFC 6582 `recover`: SND.NXT when loss recovery last began (Linux `high_seq`); nil before the first one.
    public var recover: UInt32? {
        get { hasRecover ? recoverValue : nil }
        set {
            hasRecover = newValue != nil
            recoverValue = newValue ?? 0
        }
    }

    /// RFC 6928 initial window of `initialSegments` (Linux 10), ssthresh "arbitrarily high" (RFC 5681 §3.1).
    public init(mss: Int, initialSegments: Int = 10) {
        mssValue = UInt16(clamping: mss)
        cwndValue = UInt32(clamping: initialSegments * mss)
        ssthreshValue = UInt32(Int32.max)
    }
}

/// One ACK as the congestion controller sees it. The caller classifies it.
public struct AckSample: Sendable, Hashable {
    /// The cumulative ACK number.
    public var ack: UInt32
    /// Bytes by which this ACK advanced SND.UNA (0 for a duplicate).
    public var newlyAcked: Int
    /// A duplicate ACK as defined by RFC 5681 §2: data outstanding, no payload, no SYN/FIN, ACK == SND.UNA, same
    /// window (or, with SACK, new SACK information; RFC 6675 §2).
    public var isDuplicate: Bool
    /// Bytes outstanding after this ACK (SND.NXT − SND.UNA), the RFC 5681 FlightSize.
    public var flightSize: Int
    /// SND.NXT now: recorded as `recover` when recovery begins (RFC 6582 §3.2 step 2).
    public var sndNxt: UInt32
    /// When the ACK arrived.
    public var now: Instant
    /// The smoothed RTT if known (CUBIC's t + RTT).
    public var smoothedRTT: Duration?
    /// Slow start grows cwnd by every newly acknowledged byte, up to ssthresh, the rest going to congestion
    /// avoidance (Linux `tcp_slow_start` since 3.8 dropped `tcp_abc`); off: at most one SMSS per ACK
    /// (RFC 5681 §3.1 eq. (2)).
    public var slowStartCountsEveryAckedByte = false

    /// A sample from the caller's classification of one ACK.
    public init(ack: UInt32, newlyAcked: Int, isDuplicate: Bool, flightSize: Int, sndNxt: UInt32, now: Instant,
                smoothedRTT: Duration? = nil) {
        self.ack = ack
        self.newlyAcked = newlyAcked
        self.isDuplicate = isDuplicate
        self.flightSize = flightSize
        self.sndNxt = sndNxt
        self.now = now
        self.smoothedRTT = smoothedRTT
    }
}

/// What the sender must do after an ACK, beyond sending what cwnd now allows.
public enum CongestionAction: Sendable, Hashable {
    /// Nothing beyond sending what cwnd allows.
    case none
    /// Third duplicate ACK: retransmit the first unacknowledged segment (RFC 5681 §3.2 step 2).
    case fastRetransmit
    /// Partial ACK in recovery: retransmit the first unacknowledged segment (RFC 6582 §3.2 step 3); restart the
    /// retransmission timer when `restartTimer`.
    case retransmitAfterPartialAck(restartTimer: Bool)
}

/// A congestion-control algorithm. The shared RFC 5681/6582 machinery (slow start, duplicate-ACK counting, fast
/// retransmit, fast recovery with partial ACKs, timeouts) lives in this protocol's extension; an algorithm supplies
/// only its growth in congestion avoidance and its reduction on loss, so a new one is one small file.
public protocol CongestionControl: Sendable {
    /// The window state every algorithm shares.
    var window: CongestionWindow { get set }
    /// Grow `window.cwnd` for `acked` new bytes in congestion avoidance (cwnd >= ssthresh, not in recovery).
    mutating func congestionAvoidance(acked: Int, now: Instant, smoothedRTT: Duration?)
    /// The new ssthresh when loss is detected (fast retransmit or timeout); the algorithm records its own state.
    mutating func ssthreshAfterLoss(flightSize: Int, now: Instant) -> Int
}

extension CongestionControl {
    /// The congestion window, in bytes.
    public var cwnd: Int { window.cwnd }
    /// The slow-start threshold, in bytes.
    public var ssthresh: Int { window.ssthresh }
    /// Whether the sender is in fast recovery.
    public var inFastRecovery: Bool { window.inFastRecovery }

    /// Process one ACK (RFC 5681 §3.1–3.2, RFC 6582 §3.2).
    public mutating func ackReceived(_ a: AckSample) -> CongestionAction {
        let mss = window.mss
        if a.isDuplicate {
            window.duplicateAcks += 1
            if window.inFastRecovery {
                window.cwnd += mss  // RFC 5681 §3.2 step 4: inflate per further duplicate
                return .none
            }
            guard window.duplicateAcks == 3 else { return .none }  // RFC 3042 limited transmit is the caller's
            // RFC 6582 §3.2 step 2: only when the ACK covers more than `recover`.
            if let recover = window.recover, !(SeqNum(recover) < SeqNum(a.ack)) { return .none }
            window.recover = a.sndNxt
            window.ssthresh = ssthreshAfterLoss(flightSize: a.flightSize, now: a.now)  // RFC 5681 eq. (4)
            window.cwnd = window.ssthresh + 3 * mss  // RFC 5681 §3.2 step 3
            window.inFastRecovery = true
            window.partialAckSeen = false
            return .fastRetransmit
        }
        guard a.newlyAcked > 0 else { return .none }
        window.duplicateAcks = 0
        if window.inFastRecovery, let recover = window.recover {
            if SeqNum(recover) <= SeqNum(a.ack) {
                // RFC 6582 §3.2 step 3, full ACK: option (1), cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
                window.cwnd = Swift.min(window.ssthresh, Swift.max(a.flightSize, mss) + mss)
                window.inFastRecovery = false
                return .none
            }
            // RFC 6582 §3.2 step 3, partial ACK: deflate by the new data, add back one SMSS if it covered one.
            window.cwnd = Swift.max(window.cwnd - a.newlyAcked, 0) + (a.newlyAcked >= mss ? mss : 0)
            window.cwnd = Swift.max(window.cwnd, mss)
            let first = !window.partialAckSeen
            window.partialAckSeen = true
            return .retransmitAfterPartialAck(restartTimer: first)
        }
        if window.cwnd < window.ssthresh && a.slowStartCountsEveryAckedByte {
            // Linux tcp_slow_start: cwnd = min(cwnd + acked, ssthresh); what is left grows it as in avoidance.
            let room = window.ssthresh - window.cwnd
            window.cwnd += Swift.min(a.newlyAcked, room)
            if a.newlyAcked > room {
                congestionAvoidance(acked: a.newlyAcked - room, now: a.now, smoothedRTT: a.smoothedRTT)
            }
        } else if window.cwnd < window.ssthresh {
            window.cwnd += Swift.min(a.newlyAcked, mss)  // RFC 5681 §3.1 eq. (2), slow start
        } else {
            congestionAvoidance(acked: a.newlyAcked, now: a.now, smoothedRTT: a.smoothedRTT)
        }
        return .none
    }

    /// The retransmission timer fired (RFC 5681 §3.1 eq. (4) and LW; RFC 6582 §3.2 step 4). Call on the first
    /// expiry of a loss episode only; further backoffs of the same segment do not halve ssthresh again.
    public mutating func retransmissionTimeout(flightSize: Int, sndNxt: UInt32, now: Instant) {
        window.ssthresh = ssthreshAfterLoss(flightSize: flightSize, now: now)
        window.cwnd = window.mss  // loss window, one segment
        window.recover = sndNxt
        window.inFastRecovery = false
        window.duplicateAcks = 0
    }
}
