/// What `getsockopt(TCP_INFO)` reports of a socket, in Linux's units (`tcp_get_info`): windows in segments.
public struct TCPInfo: Hashable, Sendable {
    public var state: TCPState
    /// `tcpi_snd_cwnd`: the congestion window in segments of `sendMSS`.
    public var congestionWindowSegments: Int
    /// `tcpi_snd_ssthresh`: in segments; 0x7fffffff while still "arbitrarily high" (TCP_INFINITE_SSTHRESH).
    public var slowStartThresholdSegments: Int
    /// `tcpi_snd_mss`: the MSS we send with, options deducted.
    public var sendMSS: Int
    /// `tcpi_advmss`: the MSS we announced.
    public var advertisedMSS: Int
}

extension HostStack {
    /// TCP_INFO for a socket (nil: no such socket).
    public func tcpInfo(of id: SocketID) -> TCPInfo? {
        guard let c = slot(id) else { return nil }
        let window = c.cc.window
        let mss = max(1, window.mss)
        let infinite = Int(Int32.max)
        return TCPInfo(
            state: c.state, congestionWindowSegments: window.cwnd / mss,
            slowStartThresholdSegments: window.ssthresh >= infinite ? infinite : window.ssthresh / mss,
            sendMSS: c.sendMSS, advertisedMSS: c.ourMSS)
    }
}
