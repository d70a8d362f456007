/// Every parameter of the engine, with where its value comes from. Presets: `.rfc9293`, `.linux310`, `.linux6`.
public struct TCPConfiguration: Sendable {
    /// A name for traces and reports.
    public var name: String

    /// MTU of the interface the stack sends on. Loopback: 65536. The MSS we announce is the MTU minus the IP and
    /// TCP headers (RFC 9293 §3.7.1), capped so a segment fits the 16-bit IPv4 total length (Linux
    /// `ipv4_default_advmss`, `ip6_default_advmss`): 65495 for IPv4, 65476 for IPv6.
    public var interfaceMTU: Int

    /// `net.ipv4.tcp_rmem[1]`: the initial receive buffer. The initial window is half of it (Linux
    /// `tcp_win_from_space`: `tcp_adv_win_scale = 1` in 3.10, the default `scaling_ratio` in 6.x).
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

    /// RFC 6528 ISN clock: ISN = hash(4-tuple, secret) + (now in ns >> `isnClockShift`).
    /// Linux `secure_tcp_seq` uses ns >> 6 (64 ns ticks); RFC 6528 suggests a 4 µs tick (shift ~12).
    public var isnClockShift: Int

    /// RFC 6298 §2.1 initial RTO (1 s; Linux `TCP_TIMEOUT_INIT`).
    public var rtoInitial: Duration
    /// Lower bound on the RTO (RFC 6298: 1 s; Linux `TCP_RTO_MIN`: 200 ms).
    public var rtoMin: Duration
    /// Upper bound on the RTO (Linux `TCP_RTO_MAX`: 120 s; RFC 6298 allows >= 60 s).
    public var rtoMax: Duration
    /// SYN retransmissions before connect() fails with ETIMEDOUT (`net.ipv4.tcp_syn_retries`, 6).
    public var synRetries: Int
    /// SYN-ACK retransmissions (`net.ipv4.tcp_synack_retries`, 5).
    public var synAckRetries: Int
    /// Data/FIN retransmissions before the connection times out (`net.ipv4.tcp_retries2`, 15).
    public var dataRetries: Int

    /// TIME-WAIT length, 2*MSL (RFC 9293 §3.4.2: MSL = 2 min; Linux `TCP_TIMEWAIT_LEN` = 60 s).
    public var timeWaitDuration: Duration

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
    /// close() with unread received data resets the connection instead of sending a FIN (RFC 2525 §2.17;
    /// Linux `tcp_close`, "data_was_unread").
    public var resetOnCloseWithUnreadData: Bool

    public enum SequenceCheck: Hashable, Sendable {
        /// RFC 9293 §3.10.7.4 "first": the four-case test against RCV.NXT and RCV.WND.
        case rfc9293
        /// Linux `tcp_sequence`: accept when end_seq is not before RCV.WUP (the RCV.NXT last advertised) and seq is
        /// not after the right window edge. Old duplicates that end exactly at RCV.NXT pass and are D-SACKed later.
        case linux
    }

    public init(
        name: String, interfaceMTU: Int = 65536, receiveBufferDefault: Int, receiveBufferMax: Int,
        roundInitialWindowToMSS: Bool, sendBufferSize: Int = 16384, windowScaling: Bool, timestamps: Bool,
        sack: Bool, dsack: Bool, randomTimestampOffset: Bool, initialWindowSegments: Int = 10,
        isnClockShift: Int = 6, rtoInitial: Duration = .seconds(1), rtoMin: Duration, rtoMax: Duration = .seconds(120),
        synRetries: Int = 6, synAckRetries: Int = 5, dataRetries: Int = 15, timeWaitDuration: Duration,
        sequenceCheck: SequenceCheck, rstChallengeAck: Bool = true, acceptSynAckInSynReceived: Bool,
        challengeAckInterval: Duration?, challengeAckLimitPerSecond: Int?, reopenTimeWaitWithSyn: Bool = true,
        activeOpenFromListen: Bool = false, resetOnCloseWithUnreadData: Bool = true
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
    }

    /// Plain RFC 9293 (with its RFC 5961 recommendations): MSS is the only option, 64 KiB - 1 window,
    /// MSL of two minutes, RFC 6298 timers.
    public static let rfc9293 = TCPConfiguration(
        name: "rfc9293", receiveBufferDefault: 131070, receiveBufferMax: 131070, roundInitialWindowToMSS: false,
        windowScaling: false, timestamps: false, sack: false, dsack: false, randomTimestampOffset: false,
        isnClockShift: 12, rtoMin: .seconds(1), rtoMax: .seconds(60), timeWaitDuration: .seconds(240),
        sequenceCheck: .rfc9293, acceptSynAckInSynReceived: false,
        challengeAckInterval: nil, challengeAckLimitPerSecond: nil, activeOpenFromListen: true,
        resetOnCloseWithUnreadData: false)

    /// Linux 3.10, the article's kernel: tcp_rmem 4096 87380 6291456 (window 43690, wscale 7), challenge ACKs
    /// limited only globally (100/s), a SYN in SYN_RECV always draws a challenge ACK.
    public static let linux310 = TCPConfiguration(
        name: "linux-3.10", receiveBufferDefault: 87380, receiveBufferMax: 6_291_456, roundInitialWindowToMSS: true,
        windowScaling: true, timestamps: true, sack: true, dsack: true, randomTimestampOffset: false,
        rtoMin: .milliseconds(200), timeWaitDuration: .seconds(60), sequenceCheck: .linux,
        acceptSynAckInSynReceived: false, challengeAckInterval: nil, challengeAckLimitPerSecond: 100)

    /// Linux 6.x (recorded on 6.18): tcp_rmem 4096 131072 33554432 (window 65495, wscale 10), per-socket
    /// challenge-ACK limit 500 ms, global limit off, SYN-ACK accepted in SYN_RECV of a simultaneous open.
    public static let linux6 = TCPConfiguration(
        name: "linux-6", receiveBufferDefault: 131072, receiveBufferMax: 33_554_432, roundInitialWindowToMSS: true,
        windowScaling: true, timestamps: true, sack: true, dsack: true, randomTimestampOffset: true,
        rtoMin: .milliseconds(200), timeWaitDuration: .seconds(60), sequenceCheck: .linux,
        acceptSynAckInSynReceived: true, challengeAckInterval: .milliseconds(500),
        challengeAckLimitPerSecond: Int(Int32.max))

    // MARK: derived values

    /// The MSS we announce for a family: MTU - 20 (IPv4) or 40 (IPv6) - 20 (TCP); IPv4 at most 65535 - 40.
    public func mss(ipv6: Bool) -> Int { ipv6 ? min(interfaceMTU - 60, 65535) : min(interfaceMTU - 40, 65495) }

    /// The window scale we announce (0 when scaling is off).
    public var receiveWindowScale: UInt8 {
        guard windowScaling else { return 0 }
        var space = receiveBufferMax
        var shift: UInt8 = 0
        while space > 65535 && shift < 14 {
            space >>= 1
            shift += 1
        }
        return shift
    }

    /// The initial receive window for a connection whose segments carry at most `mss` bytes.
    public func initialReceiveWindow(mss: Int) -> Int {
        var space = receiveBufferDefault / 2
        if !windowScaling { space = min(space, 65535) }
        if roundInitialWindowToMSS && space > mss { space -= space % mss }
        return space
    }
}
