/// CUBIC (RFC 9438), Linux's default: the window follows W_cubic(t) = C·(t − K)³ + W_max (eq. 1) from the last
/// reduction, never slower than the Reno-friendly estimate W_est (§4.3). Windows here are in segments.
public struct Cubic: CongestionControl, Hashable {
    // Laid out small (a controller sits in every connection): the small fields fill the window's tail, C and
    // β are kept in thousandths (0.4 and 0.7 come back as the same `Double`s), optionals use sentinels.
    /// The window state and recovery bookkeeping shared with every algorithm.
    public var window: CongestionWindow
    /// §4.7 fast convergence (Linux `fast_convergence` = 1).
    public let fastConvergence: Bool
    private let cThousandths: UInt16
    private let betaThousandths: UInt16
    /// RFC 9438 §5: C = 0.4, β_cubic = 0.7 (to a thousandth).
    public var c: Double { Double(cThousandths) / 1000 }
    /// β_cubic: the factor cwnd is multiplied by on loss.
    public var beta: Double { Double(betaThousandths) / 1000 }

    /// Window just before the last reduction, after fast convergence (segments); 0 before the first one.
    private var wMaxValue: Double = 0
    /// W_max: the window, in segments, just before the last reduction; nil before the first.
    public private(set) var wMax: Double? {
        get { wMaxValue == 0 ? nil : wMaxValue }
        set { wMaxValue = newValue ?? 0 }
    }
    /// cwnd when the last reduction happened (§4.3's cwnd_prior).
    private var cwndPrior: Double = 0
    /// Start of the current congestion-avoidance epoch (ns, `Int64.min`: none), K, origin and W_est (§4.2, §4.3).
    private var epochStartNanoseconds: Int64 = .min
    private var epochStart: Instant? {
        get { epochStartNanoseconds == .min ? nil : Instant(nanoseconds: epochStartNanoseconds) }
        set { epochStartNanoseconds = newValue?.nanoseconds ?? .min }
    }
    /// K: the time, in seconds, W_cubic takes to climb back to W_max (RFC 9438 eq. 2).
    public private(set) var k: Double = 0
    private var origin: Double = 0
    /// W_est: the Reno-friendly window estimate, in segments (RFC 9438 §4.3).
    public private(set) var wEst: Double = 0
    /// Growth below one byte, carried to the next ACK.
    private var carryBytes: Double = 0

    /// CUBIC with an RFC 6928 initial window; the defaults are RFC 9438's and Linux's.
    public init(mss: Int, initialSegments: Int = 10, c: Double = 0.4, beta: Double = 0.7,
                fastConvergence: Bool = true) {
        window = CongestionWindow(mss: mss, initialSegments: initialSegments)
        cThousandths = UInt16((c * 1000).rounded())
        betaThousandths = UInt16((beta * 1000).rounded())
        self.fastConvergence = fastConvergence
    }

    /// RFC 9438 eq. (1) at `t` seconds into the epoch.
    public func wCubic(_ t: Double) -> Double {
        let d = t - k
        return c * d * d * d + origin
    }

    /// RFC 9438 §4.4–4.5 (concave and convex regions) with the §4.3 Reno-friendly region.
    public mutating func congestionAvoidance(acked: Int, now: Instant, smoothedRTT: Duration?) {
        let mss = Double(window.mss)
        let cwnd = Double(window.cwnd) / mss
        if epochStart == nil {
            // §4.2: a new epoch; K from eq. (2). Without an earlier reduction above cwnd, start at the plateau.
            epochStart = now
            wEst = cwnd
            if let wMax, wMax > cwnd {
                k = Self.cubeRoot((wMax - cwnd) / c)
                origin = wMax
            } else {
                k = 0
                origin = cwnd
            }
        }
        let t = Double((now - epochStart!).nanosecondsValue) / 1e9
        let rtt = Double((smoothedRTT ?? .zero).nanosecondsValue) / 1e9
        let segmentsAcked = Double(acked) / mss
        // §4.3 eq. (4): α_cubic = 3(1 − β)/(1 + β) until W_est reaches cwnd_prior, then 1.
        let alpha = wEst >= cwndPrior ? 1.0 : 3 * (1 - beta) / (1 + beta)
        wEst += alpha * segmentsAcked / cwnd
        let newCwnd: Double
        if wCubic(t) < wEst {
            newCwnd = wEst  // §4.3 Reno-friendly region
        } else {
            // §4.4/§4.5: target = W_cubic(t + RTT) clamped to [cwnd, 1.5·cwnd], cwnd += (target − cwnd)/cwnd.
            let target = Swift.min(Swift.max(wCubic(t + rtt), cwnd), 1.5 * cwnd)
            newCwnd = cwnd + (target - cwnd) / cwnd * segmentsAcked
        }
        carryBytes += (newCwnd - cwnd) * mss
        if carryBytes >= 1 {
            let whole = Int(carryBytes)
            window.cwnd += whole
            carryBytes -= Double(whole)
        }
    }

    /// RFC 9438 §4.6–4.7: ssthresh = β·cwnd (Linux `bictcp_recalc_ssthresh` uses cwnd where the RFC says
    /// FlightSize; the RFC allows either), W_max with fast convergence, and a new epoch at the next ACK.
    public mutating func ssthreshAfterLoss(flightSize: Int, now: Instant) -> Int {
        let mss = Double(window.mss)
        let cwnd = Double(window.cwnd) / mss
        if fastConvergence, let wMax, cwnd < wMax {
            self.wMax = cwnd * (1 + beta) / 2
        } else {
            wMax = cwnd
        }
        cwndPrior = cwnd
        epochStart = nil
        carryBytes = 0
        return Swift.max(Int((Double(window.cwnd) * beta).rounded()), 2 * window.mss)
    }

    /// Newton's method; deterministic and free of libm.
    static func cubeRoot(_ x: Double) -> Double {
        if x == 0 { return 0 }
        let sign: Double = x < 0 ? -1 : 1
        let a = x * sign
        var y = a > 1 ? a / 3 : 1
        for _ in 0..<200 {
            let next = y - (y * y * y - a) / (3 * y * y)
            if abs(next - y) <= 1e-12 * Swift.max(1, y) { y = next; break }
            y = next
        }
        return sign * y
    }
}
