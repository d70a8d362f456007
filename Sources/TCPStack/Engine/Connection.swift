import TCPWire

/// The transmission control block of one socket (RFC 9293 §3.3.1): state, sequence variables, negotiated
/// options, buffers and timers. Owned by `HostStack`; read it through `HostStack.connection(_:)`.
///
/// It is made of parts that own their state, each an inline value (no allocation on the hot path): the sender's
/// (`snd`: the send sequence space with the retransmission timer and RTT clock; `cc`, `rtt`, `scoreboard`, the send
/// ring), the receiver's (`rcv`: the receive sequence space and the sequence check; `reassembly`, `delack` with its
/// timer, the receive ring), the timestamps option's (`ts`), and, out of line, the rarely used ones (keep-alive,
/// user timeout, persist: `RareState`). Their work is in Connection+Handshake.swift, Connection+Sender.swift and
/// Connection+Receiver.swift; `SegmentArrives.swift` decides on (state, segment). Flat fields are the socket's own
/// (state, endpoints, options, flags) and the negotiated options, whose 1-byte fields fill the parts' tail padding
/// (a part of their own would cost 8 bytes of stride).
public struct Connection: Sendable {
    // Every socket costs `MemoryLayout<Connection>.stride` bytes of the host's slot array, and a test bounds it.
    // Fields are stored narrow behind the names the code uses (Connection+Storage.swift), rare state lives out of
    // line (Connection+RareState.swift), and Swift lays fields out in declaration order, so the order leaves
    // little padding: 8-byte and endpoint fields with 1- to 4-byte fields in the gaps after the 20-byte
    // endpoints; then the 8-byte-aligned structs, each followed by 1-byte fields that fill its tail; then the
    // 4-byte fields. `MemoryLayout<Connection>.offset(of:)` shows the result.
    /// The socket this block belongs to.
    public internal(set) var id: SocketID
    /// The local endpoint, once bind() or connect() gave it one.
    public internal(set) var local: Endpoint?
    /// The RFC 9293 state; CLOSED for a fresh socket.
    public internal(set) var state: TCPState = .closed
    /// SO_REUSEADDR.
    public internal(set) var reuseAddress = false
    /// TCP_NODELAY: Nagle off.
    var noDelay = false
    /// The pending error, as SO_ERROR reports it.
    public internal(set) var pendingError: SocketError?
    /// The peer's endpoint, once connect() or an accepted SYN named it; equal to `local` on a self-connect.
    public internal(set) var remote: Endpoint?
    /// TCP_MAXSEG when set, else 0 (see `userMSS`).
    var userMSSValue: UInt16 = 0
    /// False for a free slot of the host's table.
    var inUse = true
    /// The 4-tuple is registered for demultiplexing.
    var inConnectionTable = false
    /// What bind() asked for (a wildcard address stays a wildcard), to restore after a connection ends.
    var boundEndpoint: Endpoint?
    /// connect() has run on this socket (a second connect() starts from a fresh TCB).
    var hasConnected = false
    var explicitlyBound = false
    var descriptorOpen = true
    /// Created by a listener from a SYN (RFC 9293 §3.10.7.2), not by connect().
    var passiveOpen = false
    /// This socket's entry in the host's `BindTable` (port ownership).
    var bindID: BindTable.ID?
    var finQueued = false
    var finSent = false
    var peerFinReceived = false
    var readShutdown = false
    /// The peer's window-scale shift (RFC 7323 §2.3), applied to windows it sends; 0 without scaling.
    public internal(set) var sndWscale: UInt8 = 0
    /// Our window-scale shift, applied to windows we send; 0 without scaling.
    public internal(set) var rcvWscale: UInt8 = 0
    /// Both SYNs carried the window-scale option (RFC 7323 §2.2), so both shifts apply.
    public internal(set) var windowScalingEnabled = false

    /// Connections accepted and not yet taken by accept() (a listener's; see also `backlog`, `pendingChildren`).
    var acceptQueue: [SocketID] = []

    // Buffers (acknowledging or reading n bytes is O(1); a segment's payload is a view into the send queue).
    // `sendBuffer[0]` has sequence number `sendBufferStart`; the bytes before SND.NXT are in flight.
    var sendBuffer = PayloadQueue()
    var receiveBuffer = ByteRing()

    /// The send sequence space (RFC 9293 §3.3.1 figure 3) with the retransmission timer and the RTT clock: the
    /// sender's part (SendSequence.swift). Timers (RFC 9293 §3.10.8): see also `timeWaitDeadline`.
    var snd = SendSequence()
    /// When the peer was last heard (Connection+Keepalive.swift).
    var lastHeard = Instant.zero
    /// Keep-alive, the user timeout, zero-window probing and the challenge-ACK limit, allocated on first use
    /// (see `keepalive`, `userTimeout`, `persist`, `lastChallengeAck` in Connection+RareState.swift).
    var rareState: RareState?
    var timeWaitDeadlineValue = OptionalInstant()
    /// Delayed ACK (Connection+DelayedAck.swift).
    var delack = DelayedAckState()
    // Congestion control (RFC 5681, RFC 6582, RFC 9438) and SACK loss recovery (RFC 6675);
    // see Connection+Congestion.swift.
    var cc = CongestionController.reno(NewReno(mss: 536))
    /// SRTT, RTTVAR and the backed-off RTO (RFC 6298); see Connection+RTT.swift.
    var rtt = RTOEstimator.rfc6298Default
    var rto: Duration { rtt.rto }
    /// Both SYNs carried the timestamps option (RFC 7323 §3.2), so every segment carries it.
    public internal(set) var timestampsEnabled = false
    /// Both SYNs carried SACK-permitted (RFC 2018 §2), so ACKs may carry SACK blocks.
    public internal(set) var sackEnabled = false
    /// TCP_CONGESTION, when set; otherwise the configuration's algorithm.
    var congestionAlgorithm: CongestionAlgorithm?
    /// Out-of-order data above RCV.NXT, and the SACK/D-SACK blocks for the next ACK (RFC 2018, RFC 2883).
    var reassembly = ReassemblyQueue(rcvNxt: 0)
    /// Retransmissions of the current segment (see `retransmitCount`), and which of the optional sequence
    /// numbers below are set (see `smallSegmentEnd`, `timedSegmentEnd`, `resendNext`).
    var retransmitCountValue: UInt8 = 0
    var hasSmallSegmentEnd = false
    var scoreboard = SACKScoreboard(sndUna: 0, mss: 536)

    /// The listener that created this socket, as a slot index, or -1 (see `parent`).
    var parentIndex: Int32 = -1
    // Listener state (see `backlog`, `pendingChildren`). A connection never listens and a listener never sends, so
    // on a connection the same 8 bytes hold the send chronograph's clock and busy total (Connection+Chrono.swift).
    var backlogValue: Int32 = 0
    var pendingChildrenValue: Int32 = 0

    /// The receive sequence space (RFC 9293 §3.3.1 figure 4): the receiver's part (ReceiveSequence.swift).
    var rcv = ReceiveSequence()
    /// Our timestamp offset and TS.Recent (RFC 7323; TimestampState.swift).
    var ts = TimestampState()
    /// SO_RCVBUF / SO_SNDBUF as stored (doubled) when set, else 0 (see `receiveBufferSize`, `sendBufferSize`).
    var receiveBufferValue: UInt32 = 0
    var sendBufferValue: UInt32 = 0

    // The MSS values, in 32 bits: see `sendMSS`, `ourMSS` in Connection+Storage.swift.
    var sendMSSValue: Int32 = 536
    var ourMSSValue: Int32 = 0
    /// The end of the last segment sent shorter than the MSS (Linux `snd_sml`), for Minshall's Nagle.
    var smallSegmentEndValue = SeqNum(0)
    /// The segment whose RTT is being measured (RFC 6298 §3); it left at `timedSegmentSentAt`.
    var timedSegmentEndValue = SeqNum(0)
    /// After a retransmission timeout: the next byte of the flight to send again.
    var resendNextValue = SeqNum(0)
    var hasTimedSegmentEnd = false
    var hasResendNext = false
    /// The running send chronograph (`SendChrono`, low two bits), whether the timed segment led the flight (0x40,
    /// `timedSegmentLeadsFlight`) and whether the retransmission timer is armed as a tail loss probe (high bit), in
    /// the struct's tail padding.
    var sendStateBits: UInt8 = 0
    /// ECN state (`ECNFlags`, Linux `ecn_flags`), in the tail padding too.
    var ecnFlagsValue: UInt8 = 0

    init(id: SocketID) { self.id = id }

    var nextDeadline: Instant? {
        // Pairwise, without an array of the candidates (the driver asks after every event).
        Self.earlier(
            Self.earlier(Self.earlier(retransmitDeadline, timeWaitDeadline), Self.earlier(persist.deadline, delack.deadline)),
            Self.earlier(keepalive.deadline, userTimeout.deadline))
    }

    /// The earlier of two optional deadlines (nil: no timer).
    @inline(__always)
    static func earlier(_ a: Instant?, _ b: Instant?) -> Instant? {
        guard let a else { return b }
        guard let b else { return a }
        return b < a ? b : a
    }

    var ourFinAcked: Bool { finSent && sndUna == sndNxt }

    // MARK: state changes

    /// The one funnel for state changes: records the transition and its rule, and sets state-owned timers.
    mutating func setState(
        _ to: TCPState, cause: TransitionCause, rfc: String, linux: String, now: Instant,
        config: TCPConfiguration, out: inout EngineOutput
    ) {
        if out.tracing {
            out.transitions.append(Transition(socket: id, from: state, to: to, cause: cause, rfc: rfc, linux: linux))
        }
        state = to
        switch to {
        case .timeWait:
            retransmitDeadline = nil
            persist.halt()
            delack.deadline = nil
            keepalive.deadline = nil
            userTimeout.acknowledged(dataStillOutstanding: false, at: now)
            timeWaitDeadline = now + config.timeWaitDuration
        case .closed:
            retransmitDeadline = nil
            persist.halt()
            delack.deadline = nil
            keepalive.deadline = nil
            userTimeout.acknowledged(dataStillOutstanding: false, at: now)
            timeWaitDeadline = nil
        default:
            break
        }
    }

    // MARK: segment construction

    func timestampValue(_ now: Instant) -> UInt32 { ts.value(now) }

    /// Window field for a non-SYN segment: free receive space, rounded up to the scale unit as Linux
    /// `__tcp_select_window` does, then shifted (RFC 7323 §2.3).
    /// With `linuxWindow` and no scaling, `bytes` is the whole window though the field stops at 65535.
    func windowField() -> (field: UInt16, bytes: Int) {
        rcv.windowField(free: max(0, receiveCapacity - receiveBuffer.count), scale: rcvWscale,
            linuxWindow: delack.linuxWindow)
    }

    /// The receive window used to judge sequence numbers: what we last promised (Linux `tcp_receive_window`).
    var receiveWindow: Int { rcv.window }

    /// RCV.WND in bytes, as the sequence check uses it.
    public var rcvWnd: Int { receiveWindow }

    /// Options of a non-SYN segment: `nop,nop,TS` and, with SACK, `nop,nop,sack` carrying a D-SACK after a
    /// duplicate and the out-of-order blocks (RFC 2018 §3: at most 3 blocks beside timestamps, else 4).
    mutating func segmentOptions(now: Instant) -> TCPOptions {
        var o = TCPOptions()
        if timestampsEnabled { o.appendAlignedTimestamps(value: timestampValue(now), echoReply: ts.recent) }
        if sackEnabled {
            let blocks = reassembly.takeSACKBlocks(maxBlocks: timestampsEnabled ? 3 : 4)
            if !blocks.isEmpty {
                try? o.append(.noOperation); try? o.append(.noOperation)
                try? o.append(.sack(blocks))
            }
        }
        return o
    }

    /// The largest payload for a segment sent now: `sendMSS` less the SACK option the segment will carry
    /// (`nop,nop,sack`: 4 + 8 per block), so a data segment with SACK blocks still fits the path MTU (Linux
    /// `tcp_current_mss` subtracts what `tcp_established_options` adds beyond the usual header).
    var currentMSS: Int {
        guard sackEnabled else { return sendMSS }
        let blocks = reassembly.sackBlocks(maxBlocks: timestampsEnabled ? 3 : 4).count
        return blocks == 0 ? sendMSS : max(1, sendMSS - (4 + 8 * blocks))
    }

    /// Sends one segment; false when the interface's queue dropped it (nothing changes then).
    @discardableResult
    mutating func emit(seq: SeqNum, flags: TCPFlags, payload: Payload = Payload(), now: Instant, out: inout EngineOutput)
        -> Bool
    {
        guard let local, let remote, !out.transmitQueueDrops else { return false }
        var flags = flags
        let codepoint = ecnFlagsValue == 0 ? .notECT : ecnMarking(seq: seq, flags: &flags, hasPayload: !payload.isEmpty)
        let (field, bytes) = windowField()
        if flags.contains(.ack) {
            rcv.advertise(bytes)
            ackWentOut()
        }
        if !payload.isEmpty {
            dataWentOut(now: now)
            if rareState != nil { segmentWithDataSent(seq: seq, length: payload.count, now: now) }
        }
        let tcp = TCPSegment(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: seq.rawValue,
            acknowledgmentNumber: flags.contains(.ack) ? rcvNxt.rawValue : 0, flags: flags, window: field,
            options: segmentOptions(now: now), payload: payload)
        var packet = IPPacket(from: local.address, to: remote.address, tcp: tcp)
        if codepoint != .notECT { packet.ecn = codepoint }
        if let box = rareState, !box.ipHeader.isDefault { box.ipHeader.stamp(&packet) }
        out.packets.append(packet)
        return true
    }

    /// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 §3.10.7.4).
    mutating func sendAck(now: Instant, out: inout EngineOutput) {
        emit(seq: sndNxt, flags: .ack, now: now, out: &out)
    }

    /// The user's ABORT: `R.` <SEQ=SND.NXT><ACK=RCV.NXT> (RFC 9293 §3.10.5). Linux's `tcp_send_active_reset`
    /// sends it through `tcp_transmit_skb`, so it carries the current window and the timestamp option like any
    /// other segment of the connection.
    mutating func sendActiveReset(now: Instant, out: inout EngineOutput) {
        emit(seq: sndNxt, flags: .rstAck, now: now, out: &out)
    }

    /// A reset from this connection: `R.` <SEQ=seq><ACK=ack>, or <SEQ=seq><CTL=RST> for an unacceptable ACK
    /// (RFC 9293 §3.10.7.3/§3.10.7.4): no window, no options (Linux `tcp_v4_send_reset`).
    func sendReset(seq: SeqNum, ack: SeqNum?, out: inout EngineOutput) {
        guard let local, let remote else { return }
        let tcp = TCPSegment(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: seq.rawValue,
            acknowledgmentNumber: ack?.rawValue ?? 0, flags: ack == nil ? .rst : .rstAck, window: 0)
        appendStamped(IPPacket(from: local.address, to: remote.address, tcp: tcp), to: &out)
    }

    /// RFC 5961 §7 challenge ACK, limited per socket (Linux `tcp_invalid_ratelimit`, `__tcp_oow_rate_limited`)
    /// and globally (`tcp_challenge_ack_limit`) — Linux `tcp_send_challenge_ack`.
    mutating func sendChallengeAck(for seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        if let interval = config.challengeAckInterval {
            if let last = lastChallengeAck, now - last < interval { return }
            lastChallengeAck = now
        }
        if let limit = config.challengeAckLimitPerSecond,
            !out.takeChallengeAckToken(now: now, limitPerSecond: limit)
        {
            return
        }
        sendAck(now: now, out: &out)
        // RFC 5961: §3.2 for a RST, §4.2 for a SYN (both Linux tcp_validate_incoming), §5.2 for an ACK (tcp_ack).
        let (section, caller) = seg.flags.contains(.rst) ? ("§3.2", "tcp_validate_incoming")
            : seg.flags.contains(.syn) ? ("§4.2", "tcp_validate_incoming") : ("§5.2", "tcp_ack")
        noteAckWithoutStateChange(seg, rfc: "RFC 5961 \(section)", linux: "\(caller) -> tcp_send_challenge_ack", out: &out)
    }

    /// Records an ACK that answers `seg` without a state change, so explain mode shows which rule sent it.
    private func noteAckWithoutStateChange(_ seg: TCPSegment, rfc: String, linux: String, out: inout EngineOutput) {
        guard out.tracing else { return }
        out.transitions.append(Transition(socket: id, from: state, to: state, cause: .segment(seg), rfc: rfc, linux: linux))
    }

    /// The duplicate ACK for an unacceptable segment (RFC 9293 §3.10.7.4 first), limited per socket for
    /// segments without data or with SYN (Linux `tcp_oow_rate_limited`) so two stacks cannot ACK-loop.
    mutating func sendOutOfWindowAck(_ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        if let interval = config.challengeAckInterval, seg.payload.isEmpty || seg.flags.contains(.syn) {
            if let last = lastChallengeAck, now - last < interval { return }
            lastChallengeAck = now
        }
        sendAck(now: now, out: &out)
        noteAckWithoutStateChange(seg, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_validate_incoming -> tcp_send_dupack", out: &out)
    }

    /// Records the peer's timestamp for echoing (RFC 7323 §4.3: only from segments that start at or before
    /// the last RCV.NXT we acknowledged; Linux `tcp_replace_ts_recent`, which replaces an expired TS.Recent
    /// (RFC 7323 §5.5) even with an older TSval).
    mutating func noteTimestamp(_ seg: TCPSegment, now: Instant) {
        guard timestampsEnabled, let ts = seg.options.timestamps else { return }
        self.ts.note(ts.value, startsByLastAck: SeqNum(seg.sequenceNumber) <= rcvWup, now: now)
    }
}
