/// NewReno (RFC 5681 with RFC 6582's fast recovery, which `CongestionControl` supplies): additive increase of one
/// SMSS per window of data, halving on loss.
public struct NewReno: CongestionControl, Hashable {
    /// The window state and recovery bookkeeping shared with every algorithm.
    public var window: CongestionWindow
    /// Bytes acknowledged since cwnd last grew in congestion avoidance (below cwnd, so 32 bits hold it).
    private var bytesAckedValue: UInt32 = 0
    private var bytesAcked: Int {
        get { Int(bytesAckedValue) }
        set { bytesAckedValue = UInt32(clamping: newValue) }
    }

    /// NewReno with an RFC 6928 initial window of `initialSegments` segments.
    public init(mss: Int, initialSegments: Int = 10) {
        window = CongestionWindow(mss: mss, initialSegments: initialSegments)
    }

    /// RFC 5681 §3.1: byte counting, one SMSS per cwnd of acknowledged data (the eq. (3) alternative).
    public mutating func congestionAvoidance(acked: Int, now: Instant, smoothedRTT: Duration?) {
        bytesAcked += acked
        if bytesAcked >= window.cwnd {
            bytesAcked -= window.cwnd
            window.cwnd += window.mss
        }
    }

    /// RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
    public mutating func ssthreshAfterLoss(flightSize: Int, now: Instant) -> Int {
        bytesAcked = 0
        return Swift.max(flightSize / 2, 2 * window.mss)
    }
}
