/// The congestion-control algorithms a connection can run, by their Linux names (`TCP_CONGESTION`,
/// `net.ipv4.tcp_congestion_control`).
public enum CongestionAlgorithm: String, Hashable, Sendable, CaseIterable {
    /// NewReno: RFC 5681 with RFC 6582 fast recovery (Linux "reno").
    case reno
    /// CUBIC, RFC 9438 (Linux's default since 2.6.19).
    case cubic
}

/// A connection's controller, stored inline: one case per algorithm, so no existential box and no allocation per
/// connection. Adding an algorithm is its file (a `CongestionControl`) plus a case here.
enum CongestionController: Sendable {
    case reno(NewReno)
    case cubic(Cubic)

    init(_ algorithm: CongestionAlgorithm, mss: Int, initialSegments: Int) {
        switch algorithm {
        case .reno: self = .reno(NewReno(mss: mss, initialSegments: initialSegments))
        case .cubic: self = .cubic(Cubic(mss: mss, initialSegments: initialSegments))
        }
    }

    var algorithm: CongestionAlgorithm {
        switch self {
        case .reno: .reno
        case .cubic: .cubic
        }
    }

    /// Another algorithm taking over the current window (Linux `tcp_set_congestion_control` keeps cwnd/ssthresh).
    func switched(to algorithm: CongestionAlgorithm) -> CongestionController {
        guard algorithm != self.algorithm else { return self }
        var next = CongestionController(algorithm, mss: window.mss, initialSegments: 1)
        next.window = window
        return next
    }

    var window: CongestionWindow {
        get {
            switch self {
            case .reno(let c): c.window
            case .cubic(let c): c.window
            }
        }
        set {
            switch self {
            case .reno(var c): c.window = newValue; self = .reno(c)
            case .cubic(var c): c.window = newValue; self = .cubic(c)
            }
        }
    }

    var cwnd: Int { window.cwnd }
    var inFastRecovery: Bool { window.inFastRecovery }

    mutating func ackReceived(_ a: AckSample) -> CongestionAction {
        switch self {
        case .reno(var c): let r = c.ackReceived(a); self = .reno(c); return r
        case .cubic(var c): let r = c.ackReceived(a); self = .cubic(c); return r
        }
    }

    mutating func retransmissionTimeout(flightSize: Int, sndNxt: UInt32, now: Instant) {
        switch self {
        case .reno(var c): c.retransmissionTimeout(flightSize: flightSize, sndNxt: sndNxt, now: now); self = .reno(c)
        case .cubic(var c): c.retransmissionTimeout(flightSize: flightSize, sndNxt: sndNxt, now: now); self = .cubic(c)
        }
    }

    mutating func ssthreshAfterLoss(flightSize: Int, now: Instant) -> Int {
        switch self {
        case .reno(var c): let r = c.ssthreshAfterLoss(flightSize: flightSize, now: now); self = .reno(c); return r
        case .cubic(var c): let r = c.ssthreshAfterLoss(flightSize: flightSize, now: now); self = .cubic(c); return r
        }
    }
}
