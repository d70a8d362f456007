/// What `getsockopt(TCP_INFO)` reports of a socket, in Linux's units (`tcp_get_info`): windows in segments.
public struct TCPInfo: Hashable, Sendable {
    /// `tcpi_state`: the socket's state.
    public var state: TCPState
    /// `tcpi_snd_cwnd`: the congestion window in segments of `sendMSS`.
    public var congestionWindowSegments: Int
    /// `tcpi_snd_ssthresh`: in segments; 0x7fffffff while still "arbitrarily high" (TCP_INFINITE_SSTHRESH).
    public var slowStartThresholdSegments: Int
    /// `tcpi_snd_mss`: the MSS we send with, options deducted.
    public var sendMSS: Int
    /// `tcpi_advmss`: the MSS we announced.
    public var advertisedMSS: Int
    /// `tcpi_last_data_recv`: milliseconds since data last arrived, or since the connection was established
    /// (Linux `icsk_ack.lrcvtime`, set by `tcp_finish_connect` and `tcp_event_data_recv`); nil before that.
    public var lastDataReceivedMilliseconds: Int?
    /// `tcpi_rtt`: the smoothed RTT in microseconds (`srtt_us >> 3`); nil before the first sample.
    public var smoothedRTTMicroseconds: Int? = nil
}

extension HostStack {
    /// TCP_INFO for a socket at `now` (nil: no such socket).
    public func tcpInfo(of id: SocketID, now: Instant) -> TCPInfo? {
        guard let c = slot(id) else { return nil }
        let window = c.cc.window
        let mss = max(1, window.mss)
        let infinite = Int(Int32.max)
        return TCPInfo(
            state: c.state, congestionWindowSegments: window.cwnd / mss,
            slowStartThresholdSegments: window.ssthresh >= infinite ? infinite : window.ssthresh / mss,
            sendMSS: c.sendMSS, advertisedMSS: c.ourMSS,
            lastDataReceivedMilliseconds: c.delack.lastReceived.map { Int((now - $0).nanosecondsValue / 1_000_000) },
            smoothedRTTMicroseconds: c.rtt.smoothedRTT.map { Int($0.nanosecondsValue / 1000) })
    }
}
