/// When to send new data: sender silly-window avoidance (RFC 9293 §3.8.6.2.1) and the Nagle algorithm
/// (RFC 1122 §4.2.3.4, RFC 9293 §3.7.4), which `TCP_NODELAY` turns off.
public struct SendPolicy: Sendable, Hashable {
    /// Eff.snd.MSS.
    public var mss: Int
    /// `TCP_NODELAY`.
    public var noDelay: Bool
    /// The largest send window the peer has offered, Max(SND.WND) (the connection's `maxSndWnd`).
    public var maxSendWindow: Int

    /// A policy for segments of `mss` bytes; Nagle is on unless `noDelay`.
    public init(mss: Int, noDelay: Bool = false, maxSendWindow: Int = 0) {
        self.mss = mss
        self.noDelay = noDelay
        self.maxSendWindow = maxSendWindow
    }

    /// How many bytes to put in the next new-data segment, 0 to wait.
    /// - queued: D, bytes queued and not yet sent. - usableWindow: U = SND.UNA + SND.WND − SND.NXT (and cwnd).
    /// - unacknowledged: SND.NXT ≠ SND.UNA. - pushed: the queued data ends with a push (every `send` on Linux).
    /// - overrideExpired: the SWS override timer ran out (RFC 9293 §3.8.6.2.1 (4)).
    public func nextSegmentSize(queued: Int, usableWindow: Int, unacknowledged: Bool, pushed: Bool,
                                overrideExpired: Bool = false) -> Int {
        let n = Swift.min(queued, usableWindow, mss)
        guard n > 0 else { return 0 }
        if n == mss { return n }  // (1) a full-sized segment
        let nagleAllows = noDelay || !unacknowledged  // RFC 1122 §4.2.3.4: hold small segments while data is in flight
        if pushed, queued <= usableWindow, nagleAllows { return n }  // (2) all queued data fits
        if maxSendWindow > 0, n >= maxSendWindow / 2, nagleAllows { return n }  // (3) Fs = 1/2 of Max(SND.WND)
        if pushed, overrideExpired { return n }  // (4)
        return 0
    }
}
