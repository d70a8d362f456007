/// Every parameter of the engine, with where its value comes from. Presets: `.rfc9293`, `.linux310`, `.linux6`.
public struct TCPConfiguration: Sendable {
    /// A name for traces and reports.
    public var name: String

    /// MTU of the interface the stack sends on. Loopback: 65536. The MSS we announce is the MTU minus the IP and
    /// TCP headers (RFC 9293 §3.7.1), capped so a segment fits the 16-bit IPv4 total length (Linux
    /// `ipv4_default_advmss`, `ip6_default_advmss`): 65495 for IPv4, 65476 for IPv6.
    public var interfaceMTU: Int

    /// `net.ipv4.tcp_rmem[1]`: the initial receive buffer. The initial window is half of it (Linux
    /// `tcp_win_from_space`: `tcp_adv_win_scale = 1` in 3.10, the default `scaling_ratio` in 6.x), or all of it
    /// when `windowIsHalfTheReceiveBuffer` is off (BSD `recvspace`).
    public var receiveBufferDefault: Int

    /// `max(tcp_rmem[2], rmem_max)`: the largest buffer, which fixes the window scale we announce
    /// (Linux `tcp_select_initial_window`: shift until the space fits in 16 bits, at most 14, RFC 7323 §2.3).
    public var receiveBufferMax: Int

    /// Round the initial window down to a multiple of the MSS when it exceeds one MSS (Linux
    /// `tcp_select_initial_window`). The passive side rounds to the MSS less the timestamp option (12 bytes).
    public var roundInitialWindowToMSS: Bool

    /// `net.ipv4.tcp_wmem[1]`: bytes `send` accepts before it reports `wouldBlock`.
    public var sendBufferSize: Int

    /// RFC 7323 window scaling (`net.ipv4.tcp_window_scaling`).
    public var windowScaling: Bool
    /// RFC 7323 timestamps (`net.ipv4.tcp_timestamps`).
    public var timestamps: Bool
    /// RFC 2018 SACK-permitted (`net.ipv4.tcp_sack`).
    public var sack: Bool
    /// RFC 2883 D-SACK: report a duplicate segment in a SACK block (`net.ipv4.tcp_dsack`).
    public var dsack: Bool
    /// A per-connection offset added to the timestamp clock (Linux >= 4.10, `secure_tcp_ts_off`); off: the raw clock.
    public var randomTimestampOffset: Bool

    /// RFC 6928 initial congestion window, in segments (Linux `TCP_INIT_CWND` = 10).
    public var initialWindowSegments: Int

    /// TCP segmentation offload: the most payload bytes `transmit` may put in one segment, cut down to a whole
    /// number of MSS-sized pieces, for a link that cuts such a segment into MSS-sized ones on the way out (a TUN
    /// device with TSO on, as Linux hands large segments to a NIC with `gso_max_size`). 0: off, one MSS each.
    public var segmentOffloadBytes = 0
    /// Linux's send queue (`tcp_sendmsg_locked`, `tcp_push`): PSH marks the end of each send call unless MSG_MORE
    /// (`tcp_mark_push`, `forced_push`), MSG_EOR ends records no later data joins, TCP_CORK and MSG_MORE hold
    /// partial segments, and held data with nothing in flight is sent by the probe timer (`tcp_write_wakeup`).
    /// Off: PSH on the segment that empties the queue (BSD `tcp_output`).
    public var linuxSendMarks = false
    /// Linux >= 6.17 `tcp_sequence`: a segment starting inside the receive window but ending beyond it is accepted
    /// whole while the receive queue is empty, else dropped whole. Off: the text is trimmed to the window (RFC 9293
    /// §3.10.7.4).
    public var wholeSegmentsOnEmptyQueue = false
    /// Linux `tcp_fin`: an in-order FIN purges the out-of-order queue and resets SACK state (`tcp_sack_reset`), so
    /// its ACK carries no SACK or D-SACK block. Off: SACK state is kept (RFC 2018 says nothing of the FIN).
    public var finResetsSACK = false
    /// Linux >= 4.20 `__tcp_transmit_skb`: every GSO packet (more than one MSS) carries PSH.
    public var pushOnOffloadedSegments = false
    /// Linux `tcp_tso_autosize` (since 3.12): each GSO packet carries about 1 ms of the pacing rate
    /// (`tcp_update_pacing_rate`), at least `minTSOSegments` MSS, not the device's whole `segmentOffloadBytes`.
    public var tsoAutosize = false
    /// `net.ipv4.tcp_pacing_ss_ratio` (percent): the pacing rate as a share of cwnd x MSS / SRTT in slow start,
    /// below ssthresh / 2 (`tcp_update_pacing_rate`; Linux default 200).
    public var pacingSlowStartRatio = 200
    /// `net.ipv4.tcp_pacing_ca_ratio` (percent): the same share from ssthresh / 2 on (Linux default 120).
    public var pacingAvoidanceRatio = 120
    /// Linux 6.x receive window (Connection+ReceiveWindow.swift): the buffer counts as window at the ratio of
    /// payload to `truesize` measured on arrival, `rcv_ssthresh` grows per segment within the window clamp, the
    /// immediate-ACK test compares `__tcp_select_window` with the window offered, and without window scaling the
    /// window offered is kept whole though the field shows at most 65535.
    public var linuxReceiveWindow = false
    /// `net.ipv4.tcp_min_tso_segs`: the fewest MSS a GSO packet is sized to (`tcp_tso_autosize`).
    public var minTSOSegments = 2
    /// `net.ipv4.tcp_notsent_lowat`: a socket is writable only while fewer unsent bytes wait (`tcp_stream_memory_free`);
    /// TCP_NOTSENT_LOWAT overrides it per socket. Linux default UINT_MAX: off.
    public var notSentLowWater = Int(UInt32.max)
    /// Linux's send admission (`tcp_sendmsg_locked`, HostStack+SendAdmission.swift): a write fills skbs of
    /// `tcp_xmit_size_goal` and stops before a new skb once the queue's memory (payload plus each skb's truesize)
    /// reaches `sk_sndbuf` or the unsent bytes reach TCP_NOTSENT_LOWAT. Off: payload bytes against the buffer, and
    /// TCP_NOTSENT_LOWAT tested once per call.
    public var linuxSkbSendQueue = false
    /// Without timestamps, an ACK of part of the timed segment is an RTT sample too when that segment led the flight
    /// (Linux `tcp_clean_rtx_queue`: every ACK samples the oldest acknowledged skb, a partly acknowledged TSO skb
    /// included). Off: only the ACK that covers the timed segment (RFC 6298 §3).
    public var rttFromPartialAcks = false
    /// `net.ipv4.tcp_wmem` max: how far `tcp_sndbuf_expand` grows the send buffer (`linuxSkbSendQueue`).
    public var sendBufferMax = 4_194_304

    /// Once the MSS is known, grow the receive buffer to a whole number of MSS-sized segments, at most
    /// `receiveBufferMax` (FreeBSD `tcp_mss`: `roundup(so_rcv.sb_hiwat, mss)`, capped at `sb_max`). Linux: off.
    public var roundReceiveBufferToMSS = false

    /// RST and SYN in a synchronized state are judged before the sequence check (FreeBSD `tcp_do_segment` handles
    /// them ahead of the window trim), against the larger of the free buffer and the offered window: a SYN outside
    /// it draws an RFC 5961 §4.2 challenge ACK, not a duplicate ACK; an RST outside it is dropped.
    public var rstAndSynBeforeSequenceCheck = false
    /// RFC 793 §3.9 (page 71) instead of RFC 5961 §4.2: a SYN inside the window resets the connection
    /// (`<SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>`, "connection reset"). FreeBSD `net.inet.tcp.insecure_syn=1`.
    public var resetOnSynInWindow = false
    /// Segments with both SYN and FIN are dropped unseen, in every state (FreeBSD `net.inet.tcp.drop_synfin`).
    public var dropSynFin = false
    /// The urgent byte (the one before the urgent pointer: `tcp_stdurg` 0) leaves the stream: a read stops before
    /// it and the next read skips it; splice stops at it (Linux `tcp_check_urg`, `tcp_recvmsg_locked`,
    /// `tcp_read_sock`, without SO_OOBINLINE). Off: urgent data stays inline (RFC 6093 §4).
    public var urgentByteOutOfBand = false
    /// TCP Fast Open as a client (RFC 7413; Linux `net.ipv4.tcp_fastopen` bit 1, on by default since 3.13):
    /// TCP_FASTOPEN_CONNECT and MSG_FASTOPEN are accepted, cookies are requested and cached per peer address.
    public var fastOpenClient = false
    /// An RST that closes a connection reports ECONNRESET in every synchronized state, CLOSE-WAIT, CLOSING and
    /// LAST-ACK included (FreeBSD `tcp_do_segment`); Linux `tcp_reset`: EPIPE in CLOSE-WAIT, none after our FIN.
    public var resetAlwaysReportsConnectionReset = false
    /// While our FIN is unacknowledged, an ACK the output path sends repeats the FIN at its sequence number
    /// (FreeBSD `tcp_output`: `tcp_outflags` of FIN-WAIT-1, CLOSING and LAST-ACK carry FIN; `snd_nxt--`).
    /// Challenge ACKs (`tcp_respond`) do not.
    public var ackRepeatsUnacknowledgedFIN = false
    /// A SYN-ACK to a listener is dropped without the RST of RFC 9293 §3.10.7.2 (FreeBSD `tcp_input`:
    /// "SYN|ACK invalid, segment rejected").
    public var dropSynAckInListen = false
    /// Data on the SYN-ACK that completes an active open is queued and acknowledged (RFC 9293 §3.10.7.3 fourth:
    /// continue at the sixth step; FreeBSD `tcp_do_segment`). Linux drops it (`tcp_rcv_synsent_state_process`).
    public var acceptTextOnSynAck = false
    /// In TIME-WAIT a segment without ACK is dropped before the FIN and ACK rules (RFC 9293 §3.10.7.4 fifth;
    /// FreeBSD `tcp_twcheck`). Off: Linux `tcp_timewait_state_process` ACKs it.
    public var timeWaitDropsSegmentsWithoutAck = false
    /// Slow start grows cwnd by every acknowledged byte up to ssthresh (Linux `tcp_slow_start`; `tcp_abc` was
    /// removed in 3.8). Off: at most one SMSS per ACK (RFC 5681 §3.1 eq. (2)).
    public var slowStartCountsEveryAckedByte = false

    /// RFC 6528 ISN clock: ISN = hash(4-tuple, secret) + (now in ns >> `isnClockShift`).
    /// Linux `secure_tcp_seq` uses ns >> 6 (64 ns ticks); RFC 6528 suggests a 4 µs tick (shift ~12).
    public var isnClockShift: Int

    /// RFC 6298 §2.1 initial RTO (1 s; Linux `TCP_TIMEOUT_INIT`).
    public var rtoInitial: Duration
    /// Lower bound on the RTO (RFC 6298: 1 s; Linux `TCP_RTO_MIN`: 200 ms).
    public var rtoMin: Duration
    /// Upper bound on the RTO (Linux `TCP_RTO_MAX`: 120 s; RFC 6298 allows >= 60 s).
    public var rtoMax: Duration
    /// Added to each backed-off retransmission timeout, the sum capped at `rtoMax` (FreeBSD `TCPT_RANGESET` in
    /// `tcp_timer_rexmt`, `net.inet.tcp.rexmit_slop` 200 ms). Zero elsewhere.
    public var retransmitSlop: Duration {
        get { .milliseconds(Int64(retransmitSlopMilliseconds)) }
        set { retransmitSlopMilliseconds = UInt16(clamping: newValue.components.seconds * 1000 + newValue.components.attoseconds / 1_000_000_000_000_000) }
    }
    // The FreeBSD knobs are stored narrow: the configuration is read on every segment and copied per connect.
    private var retransmitSlopMilliseconds: UInt16 = 0
    /// SYN retransmissions before connect() fails with ETIMEDOUT (`net.ipv4.tcp_syn_retries`, 6).
    public var synRetries: Int
    /// How long an active open may stay unsynchronized before it is dropped with ETIMEDOUT, beside the SYN
    /// retries: FreeBSD's connection-establishment timer (`tcp_keepinit`, `net.inet.tcp.keepinit` 75 s;
    /// `tcp_connect` arms TT_KEEP, `tcp_timer_keep` drops below ESTABLISHED). TCP_KEEPINIT sets it per socket.
    /// nil: none (Linux bounds a connect by `tcp_syn_retries` alone).
    public var connectTimeout: Duration? {
        get { connectTimeoutMilliseconds == 0 ? nil : .milliseconds(Int64(connectTimeoutMilliseconds)) }
        set {
            connectTimeoutMilliseconds = newValue.map {
                max(1, UInt32(clamping: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000))
            } ?? 0
        }
    }
    private var connectTimeoutMilliseconds: UInt32 = 0
    /// SYN-ACK retransmissions (`net.ipv4.tcp_synack_retries`, 5).
    public var synAckRetries: Int
    /// Data/FIN retransmissions before the connection times out (`net.ipv4.tcp_retries2`, 15).
    public var dataRetries: Int

    /// TIME-WAIT length, 2*MSL (RFC 9293 §3.4.2: MSL = 2 min; Linux `TCP_TIMEWAIT_LEN` = 60 s).
    public var timeWaitDuration: Duration
    /// Linux `tcp_twsk_unique`: connect() may take over a TIME-WAIT 4-tuple that saw timestamps, from a port held by
    /// bind() always, else per `net.ipv4.tcp_tw_reuse` (0 never, 1 always, 2 only on loopback, Linux's default).
    /// Nil: the system has no such rule (modelled for `linux-6`): TIME-WAIT holds its 4-tuple for its 2*MSL.
    public var timeWaitReuse: Int? {
        get { timeWaitReuseValue == .max ? nil : Int(timeWaitReuseValue) }
        set { timeWaitReuseValue = newValue.map { UInt8(clamping: max(0, min($0, 254))) } ?? .max }
    }
    /// How long after entering TIME-WAIT the 4-tuple may be taken over (`net.ipv4.tcp_tw_reuse_delay`, Linux
    /// 6.13+, 1000 ms; before, one second). Kept in whole milliseconds, as the sysctl is.
    public var timeWaitReuseDelay: Duration {
        get { .milliseconds(Int64(timeWaitReuseDelayMilliseconds)) }
        set {
            timeWaitReuseDelayMilliseconds = UInt32(clamping: max(0, newValue.components.seconds * 1000
                + newValue.components.attoseconds / 1_000_000_000_000_000))
        }
    }
    // Stored narrow, like the FreeBSD knobs: two optional words here measurably slowed every connect's copy.
    private var timeWaitReuseValue: UInt8 = .max
    private var timeWaitReuseDelayMilliseconds: UInt32 = 1000

    /// How the "first, check sequence number" step of RFC 9293 §3.10.7.4 decides acceptability.
    public var sequenceCheck: SequenceCheck
    /// RFC 5961 §3: an in-window RST that is not exactly RCV.NXT gets a challenge ACK (otherwise: reset).
    public var rstChallengeAck: Bool
    /// Linux >= 6.11 (`tcp_validate_incoming`, commit 23e89e8ee7be): in SYN_RECV of an active open, a SYN-ACK
    /// with seq + 1 == RCV.NXT and ack == SND.NXT (the peer's retransmitted SYN-ACK of a simultaneous open)
    /// passes instead of drawing an RFC 5961 §4 challenge ACK.
    public var acceptSynAckInSynReceived: Bool
    /// Per-socket limit on challenge and out-of-window ACKs (`net.ipv4.tcp_invalid_ratelimit`, 500 ms,
    /// Linux >= 4.0; nil: none, as in 3.10).
    public var challengeAckInterval: Duration?
    /// Global limit on challenge ACKs per second (RFC 5961 §7; `net.ipv4.tcp_challenge_ack_limit`: 100 in 3.10,
    /// INT_MAX (off) since 6.0; nil: none).
    public var challengeAckLimitPerSecond: Int?
    /// A SYN with a higher sequence number or timestamp may reopen TIME-WAIT when a listener exists
    /// (RFC 9293 §3.10.7.4, RFC 6191; Linux `tcp_timewait_state_process` TCP_TW_SYN).
    public var reopenTimeWaitWithSyn: Bool
    /// connect() on a listening socket turns the passive open active, LISTEN -> SYN-SENT (RFC 9293 §3.10.1
    /// OPEN in LISTEN, figure 5). Sockets refuse it: Linux `inet_stream_connect` returns EISCONN.
    public var activeOpenFromListen: Bool
    /// Order and padding of the SYN and SYN-ACK options (Linux's unless a personality says otherwise).
    public var synOptionLayout: SYNOptionLayout
    /// The initial window is half the receive buffer (Linux); BSDs advertise the whole buffer (`sbspace`).
    public var windowIsHalfTheReceiveBuffer: Bool
    /// A SYN without ACK in SYN-SENT (crossing SYNs) opens simultaneously (RFC 9293 §3.10.7.3 fourth). Off: it is
    /// dropped and our SYN keeps being retransmitted until connect() times out: linux-hardened's
    /// `net.ipv4.tcp_simult_connect = 0` (its default; from grsecurity; commit fc4ae211c1ec "net: tcp: add option
    /// to disable TCP simultaneous connect", `tcp_rcv_synsent_state_process`).
    public var simultaneousConnect: Bool
    /// connect() fails with EINVAL when the IPv4 local address:port equals the remote one (XNU `tcp_connect`;
    /// not `tcp6_connect`). A socket-API rule checked before any segment is sent, never in segment processing.
    public var refusesIPv4SelfConnect: Bool
    /// close() with unread received data resets the connection instead of sending a FIN (RFC 2525 §2.17;
    /// Linux `tcp_close`, "data_was_unread"), and so does new data arriving in FIN-WAIT-1/2 after close()
    /// (RFC 1122 §4.2.2.13; Linux `tcp_rcv_state_process`, TCPAbortOnData).
    public var resetOnCloseWithUnreadData: Bool
    /// SEND before ESTABLISHED queues the data (RFC 9293 §3.10.2, SYN-SENT/SYN-RECEIVED). Off: `send` reports
    /// `wouldBlock` until the connection is established (Linux `tcp_sendmsg` -> `sk_stream_wait_connect`).
    public var queueSendBeforeEstablished: Bool
    /// A retransmitted SYN in a passive SYN-RECEIVED is answered with the SYN-ACK again (Linux `tcp_check_req`).
    /// Off: it fails the sequence check and draws an ACK (RFC 9293 §3.10.7.4 first).
    public var resendSynAckForRetransmittedSyn: Bool
    /// Segments in TIME-WAIT other than a bare in-order ACK or RST are answered with an ACK and restart the 2 MSL
    /// timer (Linux `tcp_timewait_state_process` TCP_TW_ACK). Off: only a retransmitted FIN is ACKed; other text
    /// is ignored (RFC 9293 §3.10.7.4 seventh, TIME-WAIT).
    public var ackSegmentsInTimeWait: Bool
    /// Without timestamps, a SYN above RCV.NXT may reopen TIME-WAIT (RFC 1122 §4.2.2.13, RFC 6191 §2; Linux
    /// TCP_TW_SYN). Off: only the timestamp test may (RFC 9293 §3.10.7.4 fourth), anything else is challenged.
    public var reopenTimeWaitBySequence: Bool
    /// Largest SO_RCVBUF / SO_SNDBUF a user may ask for before doubling (`net.core.rmem_max`, `wmem_max`: 212992).
    public var userBufferMax: Int
    /// What the persist timer sends into a zero window (RFC 9293 §3.8.6.1).
    public var zeroWindowProbe: ZeroWindowProbe
    /// Nagle holds a small segment only while an earlier small segment is unacknowledged (Minshall's variant, Linux
    /// `tcp_minshall_check`). Off: while any data is (RFC 1122 §4.2.3.4).
    public var nagleMinshall: Bool
    /// Sender silly-window avoidance for pieces the peer's window cuts short (RFC 9293 §3.8.6.2.1; BSD
    /// `tcp_output` "len >= max_sndwnd / 2"). Off: they are sent as the window allows (Linux).
    public var senderSWSAvoidance: Bool
    /// A new segment goes out only if all of it (at most one MSS) fits the peer's window (Linux
    /// `tcp_snd_wnd_test`); a window with less room holds it and the persist timer probes (`tcp_check_probe_timer`).
    /// Off: as much as the window allows is sent.
    public var sendWholeSegmentsInWindow = false
    /// Tail loss probes (RFC 8985 §7; Linux `tcp_schedule_loss_probe`, `net.ipv4.tcp_early_retrans` 3 or 4): with
    /// SACK, outside recovery, a probe timeout of about two RTTs after the last transmission sends new data or
    /// the last segment again, before the RTO would.
    public var tailLossProbe = false
    /// With SACK, losses are found by RACK (RFC 8985 §6; Linux 6.x `tcp_identify_packet_loss` ->
    /// `tcp_rack_mark_lost`, and `tcp_time_to_recover` is `lost_out != 0`) and cwnd is reduced by PRR (RFC 6937;
    /// Linux `tcp_cwnd_reduction`), counted in segments. Off: RFC 6675's DupThresh, pipe and NextSeg.
    public var rackLossDetection = false
    /// ECN negotiation (RFC 3168 §6.1.1; `net.ipv4.tcp_ecn`; Linux default 2, accept only).
    public var ecn = ECNPolicy.off
    /// How many resent SYNs still ask for ECN (RFC 3168 §6.1.1.1 leaves it open). Linux `tcp_ecn_clear_syn`
    /// (`tcp_ecn_fallback` 1): none. FreeBSD `tcp_output`: while `t_rxtshift <= net.inet.tcp.ecn.maxretries` (1).
    public var ecnSynRetries: Int {
        get { Int(ecnSynRetriesValue) }
        set { ecnSynRetriesValue = UInt8(clamping: newValue) }
    }
    private var ecnSynRetriesValue: UInt8 = 0
    /// CWR goes on the next segment sent, retransmission or ACK included (FreeBSD `tcp_ecn_output_established`);
    /// off: on the next new data only (Linux `tcp_ecn_send`).
    public var ecnCWROnAnySegment = false
    /// From this SYN retransmission on, the SYN offers no window scaling, timestamps or SACK (FreeBSD
    /// `net.inet.tcp.rexmit_drop_options`, default 0: `tcp_timer_rexmt` clears TF_REQ_SCALE, TF_REQ_TSTMP and
    /// TF_SACK_PERMIT at `t_rxtshift` 3, in case a middlebox drops SYNs with options); nil: never.
    public var synOptionsDroppedAtRetransmit: Int? {
        get { synOptionsDropValue == 0 ? nil : Int(synOptionsDropValue) }
        set { synOptionsDropValue = newValue.map { UInt8(clamping: max(1, $0)) } ?? 0 }
    }
    private var synOptionsDropValue: UInt8 = 0
    /// The socket has TCP_NOOPT (FreeBSD `tcp_default_ctloutput`: TF_NOOPT, no TCP options at all); Linux has
    /// no such option.
    public var noOptionsSocketOption = false
    /// How ICMP errors about our segments are handled (`HostStack.icmpErrorArrived`); nil: not modelled.
    public var icmp: ICMPPolicy? = nil
    /// Congestion control of new connections (`net.ipv4.tcp_congestion_control`; Linux: cubic). TCP_CONGESTION
    /// overrides it per socket.
    public var congestionControl: CongestionAlgorithm
    /// When received data is acknowledged (RFC 9293 §3.8.6.3, RFC 1122 §4.2.3.2, RFC 5681 §4.2).
    public var delayedAck: DelayedAckPolicy
    /// SO_KEEPALIVE timing (RFC 1122 §4.2.3.6; Linux `tcp_keepalive_time` 7200 s, `tcp_keepalive_intvl` 75 s,
    /// `tcp_keepalive_probes` 9). TCP_KEEPIDLE/KEEPINTVL/KEEPCNT override them per socket.
    public var keepaliveIdle: Duration
    /// Time between keep-alive probes once the idle time has passed.
    public var keepaliveInterval: Duration
    /// Unanswered keep-alive probes before the connection is dropped with ETIMEDOUT.
    public var keepaliveCount: Int

    /// When received data is acknowledged: at once, on an RFC timer, or Linux's quick-ACK and adaptive scheme.
    public enum DelayedAckPolicy: Hashable, Sendable {
        /// Every segment with data is acknowledged at once.
        case off
        /// RFC 1122 §4.2.3.2 / RFC 9293 §3.8.6.3: a timer of `timeout` (at most 0.5 s), and an ACK at least for
        /// every second full-sized segment; out-of-order data and a filled hole are ACKed at once (RFC 5681 §4.2).
        case timer(Duration)
        /// Linux: quick-ACK mode at the start and after loss (`tcp_incr_quickack`), pingpong (interactive) mode,
        /// an adaptive ATO from `TCP_ATO_MIN` 40 ms up to `TCP_DELACK_MAX` 200 ms (`tcp_send_delayed_ack`).
        case linux
    }

    /// How a zero window is probed, and whether unanswered probes end the connection.
    public enum ZeroWindowProbe: Hashable, Sendable {
        /// One octet of new data (RFC 9293 §3.8.6.1); probing never gives up (RFC 1122 §4.2.2.17).
        case oneOctet
        /// A bare ACK with SEQ = SND.UNA - 1, which the peer must answer; `dataRetries` unanswered probes abort
        /// the connection (Linux `tcp_xmit_probe_skb`, `tcp_probe_timer` with `tcp_retries2`).
        case ackBelowWindow
    }

    /// Which test decides that a segment's sequence numbers are acceptable (RFC 9293 §3.10.7.4 "first").
    public enum SequenceCheck: Hashable, Sendable {
        /// RFC 9293 §3.10.7.4 "first": the four-case test against RCV.NXT and RCV.WND.
        case rfc9293
        /// Linux `tcp_sequence`: accept when end_seq is not before RCV.WUP (the RCV.NXT last advertised) and seq is
        /// not after the right window edge. Old duplicates that end exactly at RCV.NXT pass and are D-SACKed later.
        case linux
    }

    /// Builds a configuration; parameters with defaults take Linux's value. The presets (`linux310`, `linux6`,
    /// `rfc9293`, ...) are built with this.
    public init(
        name: String, interfaceMTU: Int = 65536, receiveBufferDefault: Int, receiveBufferMax: Int,
        roundInitialWindowToMSS: Bool, sendBufferSize: Int = 16384, windowScaling: Bool, timestamps: Bool,
        sack: Bool, dsack: Bool, randomTimestampOffset: Bool, initialWindowSegments: Int = 10,
        isnClockShift: Int = 6, rtoInitial: Duration = .seconds(1), rtoMin: Duration, rtoMax: Duration = .seconds(120),
        synRetries: Int = 6, synAckRetries: Int = 5, dataRetries: Int = 15, timeWaitDuration: Duration,
        sequenceCheck: SequenceCheck, rstChallengeAck: Bool = true, acceptSynAckInSynReceived: Bool,
        challengeAckInterval: Duration?, challengeAckLimitPerSecond: Int?, reopenTimeWaitWithSyn: Bool = true,
        activeOpenFromListen: Bool = false, resetOnCloseWithUnreadData: Bool = true,
        queueSendBeforeEstablished: Bool = false, resendSynAckForRetransmittedSyn: Bool = true,
        ackSegmentsInTimeWait: Bool = true, reopenTimeWaitBySequence: Bool = true, userBufferMax: Int = 212_992,
        synOptionLayout: SYNOptionLayout = .linux, windowIsHalfTheReceiveBuffer: Bool = true,
        refusesIPv4SelfConnect: Bool = false, simultaneousConnect: Bool = true,
        zeroWindowProbe: ZeroWindowProbe = .ackBelowWindow, nagleMinshall: Bool = true,
        senderSWSAvoidance: Bool = false, congestionControl: CongestionAlgorithm = .cubic,
        delayedAck: DelayedAckPolicy = .linux, keepaliveIdle: Duration = .seconds(7200),
        keepaliveInterval: Duration = .seconds(75), keepaliveCount: Int = 9
    ) {
        self.name = name
        self.interfaceMTU = interfaceMTU
        self.receiveBufferDefault = receiveBufferDefault
        self.receiveBufferMax = receiveBufferMax
        self.roundInitialWindowToMSS = roundInitialWindowToMSS
        self.sendBufferSize = sendBufferSize
        self.windowScaling = windowScaling
        self.timestamps = timestamps
        self.sack = sack
        self.dsack = dsack
        self.randomTimestampOffset = randomTimestampOffset
        self.initialWindowSegments = initialWindowSegments
        self.isnClockShift = isnClockShift
        self.rtoInitial = rtoInitial
        self.rtoMin = rtoMin
        self.rtoMax = rtoMax
        self.synRetries = synRetries
        self.synAckRetries = synAckRetries
        self.dataRetries = dataRetries
        self.timeWaitDuration = timeWaitDuration
        self.sequenceCheck = sequenceCheck
        self.rstChallengeAck = rstChallengeAck
        self.acceptSynAckInSynReceived = acceptSynAckInSynReceived
        self.challengeAckInterval = challengeAckInterval
        self.challengeAckLimitPerSecond = challengeAckLimitPerSecond
        self.reopenTimeWaitWithSyn = reopenTimeWaitWithSyn
        self.activeOpenFromListen = activeOpenFromListen
        self.resetOnCloseWithUnreadData = resetOnCloseWithUnreadData
        self.queueSendBeforeEstablished = queueSendBeforeEstablished
        self.resendSynAckForRetransmittedSyn = resendSynAckForRetransmittedSyn
        self.ackSegmentsInTimeWait = ackSegmentsInTimeWait
        self.reopenTimeWaitBySequence = reopenTimeWaitBySequence
        self.userBufferMax = userBufferMax
        self.synOptionLayout = synOptionLayout
        self.windowIsHalfTheReceiveBuffer = windowIsHalfTheReceiveBuffer
        self.refusesIPv4SelfConnect = refusesIPv4SelfConnect
        self.simultaneousConnect = simultaneousConnect
        self.zeroWindowProbe = zeroWindowProbe
        self.nagleMinshall = nagleMinshall
        self.senderSWSAvoidance = senderSWSAvoidance
        self.congestionControl = congestionControl
        self.delayedAck = delayedAck
        self.keepaliveIdle = keepaliveIdle
        self.keepaliveInterval = keepaliveInterval
        self.keepaliveCount = keepaliveCount
    }

    /// Plain RFC 9293 (with its RFC 5961 recommendations): MSS is the only option, 64 KiB - 1 window,
    /// MSL of two minutes, RFC 6298 timers.
    public static let rfc9293 = TCPConfiguration(
        name: "rfc9293", receiveBufferDefault: 131070, receiveBufferMax: 131070, roundInitialWindowToMSS: false,
        windowScaling: false, timestamps: false, sack: false, dsack: false, randomTimestampOffset: false,
        isnClockShift: 12, rtoMin: .seconds(1), rtoMax: .seconds(60), timeWaitDuration: .seconds(240),
        sequenceCheck: .rfc9293, acceptSynAckInSynReceived: false,
        challengeAckInterval: nil, challengeAckLimitPerSecond: nil, activeOpenFromListen: true,
        resetOnCloseWithUnreadData: false, queueSendBeforeEstablished: true, resendSynAckForRetransmittedSyn: false,
        ackSegmentsInTimeWait: false, reopenTimeWaitBySequence: false, zeroWindowProbe: .oneOctet,
        nagleMinshall: false, senderSWSAvoidance: true, congestionControl: .reno,
        delayedAck: .timer(.milliseconds(200)))

    /// Linux 3.10, the article's kernel: tcp_rmem 4096 87380 6291456 (window 43690, wscale 7), challenge ACKs
    /// limited only globally (100/s), a SYN in SYN_RECV always draws a challenge ACK; slow start counts every
    /// acknowledged byte (`tcp_abc` is gone since 3.9).
    public static let linux310: TCPConfiguration = {
        var c = TCPConfiguration(
        name: "linux-3.10", receiveBufferDefault: 87380, receiveBufferMax: 6_291_456, roundInitialWindowToMSS: true,
        windowScaling: true, timestamps: true, sack: true, dsack: true, randomTimestampOffset: false,
        rtoMin: .milliseconds(200), timeWaitDuration: .seconds(60), sequenceCheck: .linux,
        acceptSynAckInSynReceived: false, challengeAckInterval: nil, challengeAckLimitPerSecond: 100)
        c.slowStartCountsEveryAckedByte = true
        c.linuxSendMarks = true
        c.ecn = .acceptOnly
        c.urgentByteOutOfBand = true
        c.finResetsSACK = true
        return c
    }()

    /// Linux 6.x (recorded on 6.18): tcp_rmem 4096 131072 33554432 (window 65495, wscale 10), per-socket
    /// challenge-ACK limit 500 ms, global limit off, SYN-ACK accepted in SYN_RECV of a simultaneous open; slow
    /// start counts every acknowledged byte (`tcp_slow_start`).
    public static let linux6: TCPConfiguration = {
        var c = TCPConfiguration(
        name: "linux-6", receiveBufferDefault: 131072, receiveBufferMax: 33_554_432, roundInitialWindowToMSS: true,
        windowScaling: true, timestamps: true, sack: true, dsack: true, randomTimestampOffset: true,
        rtoMin: .milliseconds(200), timeWaitDuration: .seconds(60), sequenceCheck: .linux,
        acceptSynAckInSynReceived: true, challengeAckInterval: .milliseconds(500),
        challengeAckLimitPerSecond: Int(Int32.max))
        c.slowStartCountsEveryAckedByte = true
        c.linuxSendMarks = true
        c.pushOnOffloadedSegments = true
        c.tsoAutosize = true
        c.linuxReceiveWindow = true
        c.sendWholeSegmentsInWindow = true
        c.linuxSkbSendQueue = true
        c.rttFromPartialAcks = true
        c.ecn = .acceptOnly
        c.tailLossProbe = true
        c.rackLossDetection = true
        c.urgentByteOutOfBand = true
        c.fastOpenClient = true
        c.finResetsSACK = true
        c.wholeSegmentsOnEmptyQueue = true
        c.timeWaitReuse = 2
        return c
    }()

    // MARK: derived values

    /// The MSS we announce for a family: MTU - 20 (IPv4) or 40 (IPv6) - 20 (TCP); IPv4 at most 65535 - 40.
    @inline(__always) public func mss(ipv6: Bool) -> Int { ipv6 ? min(interfaceMTU - 60, 65535) : min(interfaceMTU - 40, 65495) }

    /// The window scale we announce (0 when scaling is off).
    public var receiveWindowScale: UInt8 { receiveWindowScale(receiveBuffer: nil) }

    /// The window scale for a socket; with an SO_RCVBUF (`receiveBuffer`, doubled) the window is clamped to half
    /// of it and the scale follows (Linux `tcp_select_initial_window`, `window_clamp` under `SOCK_RCVBUF_LOCK`).
    public func receiveWindowScale(receiveBuffer: Int?) -> UInt8 {
        guard windowScaling else { return 0 }
        let space = receiveBuffer.map { $0 / 2 } ?? receiveBufferMax
        // The smallest shift that brings the space under 2^16 (Linux halves it in a loop), at most 14.
        guard space > 65535 else { return 0 }
        return UInt8(min(Int.bitWidth - space.leadingZeroBitCount - 16, 14))
    }

    /// The initial receive window for a connection whose segments carry at most `mss` bytes; `receiveBuffer`
    /// is the socket's SO_RCVBUF (doubled) when set.
    @inline(__always) public func initialReceiveWindow(mss: Int, receiveBuffer: Int? = nil) -> Int {
        let buffer = receiveBuffer ?? receiveBufferDefault
        var space = windowIsHalfTheReceiveBuffer ? buffer / 2 : buffer
        if !windowScaling { space = min(space, 65535) }
        if roundInitialWindowToMSS && space > mss { space -= space % mss }
        return space
    }
}
