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
    /// `tcpi_busy_time`: microseconds the sender had data queued or in flight (`SendChrono`).
    public var busyMicroseconds = 0
    /// `tcpi_rwnd_limited`: microseconds of that held back by the peer's receive window.
    public var receiveWindowLimitedMicroseconds = 0
    /// `tcpi_sndbuf_limited`: microseconds of that held back by a full send buffer.
    public var sendBufferLimitedMicroseconds = 0
    /// `tcpi_probes`: persist-timer probes sent since the peer last answered (Linux `icsk_probes_out`).
    public var probes = 0
    /// `tcpi_backoff`: doublings of the retransmission or probe interval (Linux `icsk_backoff`).
    public var backoff = 0
    /// `tcpi_ca_state`: the sender's congestion state (`CongestionState`).
    public var congestionState = CongestionState.open
    /// `tcpi_unacked`: segments sent and not yet acknowledged (Linux `packets_out`, in segments of `sendMSS`).
    public var unackedSegments = 0
    /// `tcpi_sacked`: of those, the segments the peer reported holding (Linux `sacked_out`).
    public var sackedSegments = 0
    /// `tcpi_rtt`: the smoothed RTT in microseconds (`srtt_us >> 3`); nil before the first sample.
    public var smoothedRTTMicroseconds: Int? = nil
    /// `tcpi_lost`: segments marked lost and not yet delivered (Linux `lost_out`, marked by RACK).
    public var lostSegments = 0
    /// `tcpi_retrans`: segments resent and not yet delivered (Linux `retrans_out`).
    public var retransmittedSegments = 0
    /// `tcpi_reordering`: the reordering degree in segments (Linux `tp->reordering`, `net.ipv4.tcp_reordering` 3).
    public var reordering = 3
    /// `tcpi_bytes_received`: sequence space received in order past the SYN, a FIN included (Linux
    /// `tcp_rcv_nxt_update` adds every RCV.NXT advance to `bytes_received`).
    public var bytesReceived = 0
    /// `tcpi_options`: the options in use, as Linux and FreeBSD number them (TCPI_OPT_TIMESTAMPS 1, _SACK 2,
    /// _WSCALE 4, _ECN 8).
    public var options = 0
}

/// Linux's congestion states (`enum tcp_ca_state`, include/net/tcp.h), numbered as TCP_INFO reports them.
public enum CongestionState: Int, Sendable, Hashable {
    /// Nothing wrong (TCP_CA_Open).
    case open = 0
    /// Duplicate ACKs or SACKs seen, no loss declared yet (TCP_CA_Disorder).
    case disorder = 1
    /// cwnd reduced for an ECN echo or a repaired tail loss (TCP_CA_CWR).
    case cwr = 2
    /// Fast recovery (TCP_CA_Recovery).
    case recovery = 3
    /// After a retransmission timeout, until the flight then outstanding is acknowledged (TCP_CA_Loss).
    case loss = 4
}

extension Connection {
    /// The congestion state as Linux would report it, from the engine's recovery state (RFC 5681/6582/6675
    /// recovery, the RTO's loss episode, ECN's reduction).
    var congestionState: CongestionState {
        if cc.inFastRecovery { return .recovery }
        if resendNext != nil || cc.window.recover.map({ SeqNum($0) > sndUna }) == true { return .loss }
        if let end = cwrEnd, SeqNum(end) > sndUna { return .cwr }
        if scoreboard.sackedBytes > 0 || cc.window.duplicateAcks > 0 { return .disorder }
        return .open
    }
}

extension HostStack {
    /// TCP_INFO for a socket at `now` (nil: no such socket).
    public func tcpInfo(of id: SocketID, now: Instant) -> TCPInfo? {
        guard let c = slot(id) else { return nil }
        let window = c.cc.window
        let mss = max(1, window.mss)
        let infinite = Int(Int32.max)
        var info = TCPInfo(
            state: c.state, congestionWindowSegments: window.cwnd / mss,
            slowStartThresholdSegments: window.ssthresh >= infinite ? infinite : window.ssthresh / mss,
            sendMSS: c.sendMSS, advertisedMSS: c.ourMSS,
            lastDataReceivedMilliseconds: c.delack.lastReceived.map { Int((now - $0).nanosecondsValue / 1_000_000) },
            smoothedRTTMicroseconds: c.rtt.smoothedRTT.map { Int($0.nanosecondsValue / 1000) })
        let chrono = c.chronoMicroseconds(at: now)
        info.busyMicroseconds = chrono.busy
        info.receiveWindowLimitedMicroseconds = chrono.receiveWindowLimited
        info.sendBufferLimitedMicroseconds = chrono.sendBufferLimited
        info.probes = c.persist.unansweredProbes
        info.backoff = max(c.persist.backoff, c.rtt.backoffCount)
        info.congestionState = c.state.isSynchronized ? c.congestionState : .open
        if c.state.isSynchronized { info.bytesReceived = c.rcvNxt - (c.irs + 1) }
        let segment = max(1, c.sendMSS)
        info.unackedSegments = (c.flightSize + segment - 1) / segment
        info.sackedSegments = c.scoreboard.sackedBlocks.reduce(0) {
            $0 + (SeqNum($1.right) - SeqNum($1.left) + segment - 1) / segment
        }
        info.options = (c.timestampsEnabled ? 1 : 0) | (c.sackEnabled ? 2 : 0) | (c.windowScalingEnabled ? 4 : 0)
            | (c.ecn.contains(.ok) ? 8 : 0)
        if let rack = c.rack {
            info.lostSegments = rack.lostSegments
            info.retransmittedSegments = rack.resentSegments
            info.reordering = rack.reordering
        }
        return info
    }
}
