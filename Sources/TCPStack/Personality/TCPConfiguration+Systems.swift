/// Engine presets for the systems beyond Linux 3.10/6.x and the plain RFC. Every value names its source.
extension TCPConfiguration {
    /// Linux 4.6 (4.0-4.6): 3.10's buffers and options (tcp_rmem 4096 87380 6291456: window 43690, wscale 7;
    /// no timestamp offset before 4.10), plus the per-socket challenge/out-of-window ACK limit
    /// `tcp_invalid_ratelimit` = 500 ms (4.0) beside the global `tcp_challenge_ack_limit` of 100/s (raised to
    /// 1000 and randomised in 4.7, turned off in 6.0).
    public static let linux46: TCPConfiguration = {
        var c = TCPConfiguration.linux310
        c.name = "linux-4.6"
        c.challengeAckInterval = .milliseconds(500)
        return c
    }()

    /// linux-hardened (github.com/anthraxx/linux-hardened): Linux 6.x plus `net.ipv4.tcp_simult_connect`, default 0
    /// there (from grsecurity; commit fc4ae211c1ec "net: tcp: add option to disable TCP simultaneous connect"):
    /// `tcp_rcv_synsent_state_process` discards a SYN without ACK in SYN_SENT, so crossing SYNs never open.
    /// The SYN is retried on Linux's schedule (`TCP_TIMEOUT_INIT` 1 s, doubling, `tcp_syn_retries` 6) and
    /// connect() fails with ETIMEDOUT after 1+2+4+8+16+32+64 = 127 s.
    public static let linuxHardened: TCPConfiguration = {
        var c = TCPConfiguration.linux6
        c.name = "linux-hardened"
        c.simultaneousConnect = false
        return c
    }()

    /// macOS (XNU bsd/netinet):
    /// - lo0 MTU 16384: MSS 16344 (IPv4), 16324 (IPv6).
    /// - `net.inet.tcp.recvspace` 131072, advertised whole (`tcp_sbspace`): SYN window 65535; window scale from
    ///   `tcp_autorcvbuf_max` (2 MiB) by `tcp_set_max_rwinscale`: 6. `sendspace` 131072.
    /// - SYN options `mss,nop,wscale,nop,nop,TS,sackOK,eol` (`tcp_output`); timestamps from `tcp_now`, no
    ///   per-connection offset; D-SACK on.
    /// - Timers (tcp_timer.h): `TCPTV_RTOBASE` 1 s, `TCPTV_REXMTMIN` 30 ms (TCP_RETRANSHZ/33),
    ///   `TCPTV_REXMTMAX` 64 s, `TCPTV_MSL` 15 s so TIME-WAIT (`2 * tcp_msl`) is 30 s. A SYN is retried until
    ///   `TCPTV_KEEP_INIT` (75 s): with 1 s doubling, 6 retransmissions.
    /// - RFC 5961 challenge ACKs, at most `tcp_challengeack_limit` (10) per second per connection; the engine
    ///   applies it as its per-second limit, the same for the one connection of a self-connect.
    /// - Sequence checks as RFC 9293 (`tcp_input`); in SYN-RECEIVED the peer's SYN-ACK loses its SYN to the
    ///   window trim (`todrop`) and its ACK completes the handshake.
    /// - `tcp_connect` refuses an IPv4 self-connect with EINVAL (`tcp6_connect` does not).
    /// - Zero-window probes force one octet of data out (`tcp_timer_persist`, `t_force`); Nagle holds a small
    ///   segment while anything is unacknowledged (`tcp_output`, `idle`); both as in FreeBSD.
    public static let xnu = TCPConfiguration(
        name: "xnu", interfaceMTU: 16384, receiveBufferDefault: 131072, receiveBufferMax: 2_097_152,
        roundInitialWindowToMSS: false, sendBufferSize: 131072, windowScaling: true, timestamps: true, sack: true,
        dsack: true, randomTimestampOffset: false, isnClockShift: 12, rtoMin: .milliseconds(30),
        rtoMax: .seconds(64), synRetries: 6, timeWaitDuration: .seconds(30), sequenceCheck: .rfc9293,
        acceptSynAckInSynReceived: true, challengeAckInterval: nil, challengeAckLimitPerSecond: 10,
        resetOnCloseWithUnreadData: false, synOptionLayout: .xnu, windowIsHalfTheReceiveBuffer: false,
        refusesIPv4SelfConnect: true, zeroWindowProbe: .oneOctet, nagleMinshall: false,
        senderSWSAvoidance: true, delayedAck: .timer(.milliseconds(100)))

    /// FreeBSD (sys/netinet):
    /// - lo0 MTU 16384: MSS 16344 (IPv4), 16324 (IPv6).
    /// - `net.inet.tcp.recvspace` 65536, advertised whole: SYN window 65535; window scale from `sb_max`
    ///   (`kern.ipc.maxsockbuf` 2 MiB): 6 (`tcp_connect`, `syncache_add`). `sendspace` 32768.
    /// - SYN options by `tcp_addoptions`: `mss,nop,wscale,sackOK,TS`; per-connection timestamp offset
    ///   (`net.inet.tcp.ts_offset_per_conn` 1); D-SACK on.
    /// - Timers (tcp_timer.h): `TCPTV_RTOBASE` 1 s, `rexmit_min` 30 ms (hz/33), `TCPTV_REXMTMAX` 64 s,
    ///   `TCPTV_MSL` 30 s so TIME-WAIT is 60 s; SYN retried up to `TCP_MAXRXTSHIFT` (12) times, and connect()
    ///   fails with ETIMEDOUT once `tcp_keepinit` (75 s) passes unsynchronized (`tcp_timer_keep`): 6 retransmissions.
    ///   Each backed-off RTO gets `tcp_rexmit_slop` (200 ms, `TCPT_RANGESET`): SYNs at 0, 1, 3.2, 7.4 s...
    /// - ECN (`net.inet.tcp.ecn.enable` 2): accepted, not asked for; when asked for, the first resent SYN asks
    ///   again (`ecn.maxretries` 1, `tcp_output`); a queued CWR rides the next segment of any kind.
    /// - TCP_NOOPT: a socket sends no TCP options (`TF_NOOPT`); `rexmit_drop_options` (off by default) would
    ///   strip window scaling, timestamps and SACK from the third resent SYN on.
    /// - Keep-alive: idle 7200 s, interval 75 s, `TCPTV_KEEPCNT` 8 probes (tcp_timer.h).
    /// - ICMP (`tcp_ctlinput`, `icmp_may_rst` 1): a hard error quoting SND.UNA..SND.MAX ends a SYN-SENT open
    ///   (ECONNREFUSED; EHOSTUNREACH for TTL exceeded); soft errors are not reported.
    /// - RFC 5961 challenge ACKs (`tcp_insecure_rst`/`tcp_insecure_syn` 0), limited by the ACK-war guard,
    ///   `ack_war_cnt` 5 per `ack_war_timewindow` 1000 ms per connection: applied as 5 per second.
    /// - Sequence checks as RFC 9293; the SYN-ACK in SYN-RECEIVED is trimmed to its ACK, as in XNU.
    /// - Sender SWS avoidance (`tcp_output`: a window-limited piece waits unless it reaches `max_sndwnd / 2`).
    /// - Once the MSS is known the receive buffer is rounded up to whole segments (`tcp_mss`).
    /// - `tcp_do_segment` handles a SYN before the window trim; an RST reports ECONNRESET in every synchronized
    ///   state; `tcp_output` repeats an unacknowledged FIN on its ACKs.
    public static let freebsd: TCPConfiguration = {
        var c = freebsdBase
        c.roundReceiveBufferToMSS = true
        c.rstAndSynBeforeSequenceCheck = true
        c.resetAlwaysReportsConnectionReset = true
        c.ackRepeatsUnacknowledgedFIN = true
        c.dropSynAckInListen = true
        c.acceptTextOnSynAck = true
        c.timeWaitDropsSegmentsWithoutAck = true
        c.retransmitSlop = .milliseconds(200)
        c.ecn = .acceptOnly
        c.ecnSynRetries = 1
        c.ecnCWROnAnySegment = true
        c.synRetries = 12
        c.connectTimeout = .seconds(75)
        c.icmp = ICMPPolicy(hardErrorsAbortOpen: true)
        c.keepaliveCount = 8
        c.noOptionsSocketOption = true
        return c
    }()

    private static let freebsdBase = TCPConfiguration(
        name: "freebsd", interfaceMTU: 16384, receiveBufferDefault: 65536, receiveBufferMax: 2_097_152,
        roundInitialWindowToMSS: false, sendBufferSize: 32768, windowScaling: true, timestamps: true, sack: true,
        dsack: true, randomTimestampOffset: true, isnClockShift: 10, rtoMin: .milliseconds(30),
        rtoMax: .seconds(64), synRetries: 6, timeWaitDuration: .seconds(60), sequenceCheck: .rfc9293,
        acceptSynAckInSynReceived: true, challengeAckInterval: nil, challengeAckLimitPerSecond: 5,
        resetOnCloseWithUnreadData: false, synOptionLayout: .freebsd, windowIsHalfTheReceiveBuffer: false,
        zeroWindowProbe: .oneOctet, nagleMinshall: false, senderSWSAvoidance: true,
        delayedAck: .timer(.milliseconds(100)))
}
