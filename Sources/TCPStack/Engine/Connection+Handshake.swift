import TCPWire

/// The handshake (RFC 9293 §3.3.4, §3.4): the SYN and SYN-ACK we send and resend, the options agreed from the
/// peer's SYN, the TCB a listener's SYN creates, and becoming ESTABLISHED. `SegmentArrives.swift` decides when;
/// these carry it out.
extension Connection {
    // MARK: SYN options

    /// Whether our SYN offered window scaling, timestamps and SACK as the configuration allows: not with TCP_NOOPT
    /// (FreeBSD TF_NOOPT), nor after `synOptionsDroppedAtRetransmit` resends of it (RFC 7323 §1.3, RFC 2018 §2:
    /// an option is used only when both SYNs carried it).
    @inline(__always) func offersSynOptions(_ config: TCPConfiguration) -> Bool {
        if rareState != nil && noOptions { return false }
        guard state == .synSent, let drop = config.synOptionsDroppedAtRetransmit else { return true }
        return retransmitCount < drop
    }

    /// Applies the options of the peer's SYN (RFC 9293 §3.7.1 MSS, RFC 7323 §2.2/§3.2, RFC 2018 §2).
    mutating func negotiate(_ seg: TCPSegment, config: TCPConfiguration, ipv6: Bool, now: Instant) {
        let o = seg.options
        let offered = offersSynOptions(config)
        ourMSS = min(config.mss(ipv6: ipv6), userMSS ?? .max)
        let peerMSS = Int(o.mss ?? (ipv6 ? 1220 : 536))
        windowScalingEnabled = offered && config.windowScaling && o.windowScale != nil
        if windowScalingEnabled, let ws = o.windowScale {
            sndWscale = min(ws, 14)
            rcvWscale = config.receiveWindowScale(receiveBuffer: receiveBufferSize)
        } else {
            sndWscale = 0
            rcvWscale = 0
        }
        if offered, config.timestamps, let ts = o.timestamps {
            timestampsEnabled = true
            self.ts.setRecent(ts.value, now: now)
        } else {
            timestampsEnabled = false
        }
        sackEnabled = offered && config.sack && o.sackPermitted
        sendMSS = max(1, min(peerMSS, ourMSS) - (timestampsEnabled ? 12 : 0))
        if config.roundReceiveBufferToMSS {
            // FreeBSD tcp_mss: t_maxseg (options not deducted) sizes the buffer, never shrinking it.
            let mss = min(peerMSS, ourMSS)
            let buffer = receiveBufferSize ?? config.receiveBufferDefault
            // A peer's MSS option of 0 leaves nothing to round to (the engine fuzzer found the division by zero).
            let rounded = mss > 0 ? min((buffer + mss - 1) / mss * mss, config.receiveBufferMax) : buffer
            if buffer >= mss && rounded > buffer {
                receiveBufferSize = rounded
                receiveCapacity = max(receiveCapacity, rounded)
            }
        }
    }

    /// SYN / SYN-ACK options, in the personality's layout (`SYNOptionLayout`).
    func synOptions(
        now: Instant, ecr: UInt32, timestamps: Bool, sack: Bool, windowScale: UInt8?, layout: SYNOptionLayout
    ) -> TCPOptions {
        layout.options(
            mss: UInt16(clamping: ourMSS), timestamp: timestamps ? (timestampValue(now), ecr) : nil, sack: sack,
            windowScale: windowScale)
    }

    // MARK: SYN and SYN-ACK

    /// The initial SYN, or its retransmission (RFC 9293 §3.10.1; Linux `tcp_connect`). Window not scaled.
    mutating func sendSyn(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        guard let local, let remote else { return }
        let offers = offersSynOptions(config)
        let ws: UInt8? = config.windowScaling && offers ? config.receiveWindowScale(receiveBuffer: receiveBufferSize) : nil
        // Linux `tcp_syn_options` echoes `ts_recent`: 0 but after taking over a TIME-WAIT (HostStack+TimeWaitReuse).
        var options = synOptions(
            now: now, ecr: ts.recent, timestamps: config.timestamps && offers, sack: config.sack && offers, windowScale: ws,
            layout: config.synOptionLayout)
        if rareState != nil { addFastOpenOption(to: &options) }
        if rareState != nil && noOptions { options = TCPOptions() }  // FreeBSD tcp_output: TF_NOOPT
        // RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR (Linux tcp_ecn_send_syn).
        let tcp = TCPSegment(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: iss.rawValue,
            flags: ecn.contains(.ok) ? [.syn, .ece, .cwr] : .syn,
            window: UInt16(min(rcvWndAdvertised, 65535)), options: options)
        appendStamped(IPPacket(from: local.address, to: remote.address, tcp: tcp), to: &out)
    }

    /// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with the options agreed from the peer's SYN (RFC 7323 §1.3,
    /// RFC 2018 §2; Linux `tcp_make_synack` / `tcp_send_synack`). Window not scaled (RFC 7323 §2.2).
    mutating func sendSynAck(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        guard let local, let remote else { return }
        let tcp = TCPSegment(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: iss.rawValue,
            acknowledgmentNumber: rcvNxt.rawValue, flags: ecn.contains(.ok) ? [.syn, .ack, .ece] : .synAck,
            window: UInt16(min(rcvWndAdvertised, 65535)),
            options: rareState != nil && noOptions ? TCPOptions() : synOptions(
                now: now, ecr: ts.recent, timestamps: timestampsEnabled, sack: sackEnabled,
                windowScale: windowScalingEnabled ? rcvWscale : nil, layout: config.synOptionLayout))
        appendStamped(IPPacket(from: local.address, to: remote.address, tcp: tcp), to: &out)
    }

    /// Resends the SYN or SYN-ACK after a timeout (RFC 9293 §3.8.1; backoff per RFC 6298 §5.5). Synchronized
    /// states go through `retransmissionTimedOut`.
    mutating func retransmitOldest(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        timedSegmentEnd = nil  // RFC 6298 §3 (Karn): an ACK of a resent segment is ambiguous
        switch state {
        case .synSent:
            // RFC 3168 §6.1.1.1: a resent SYN may stop asking for ECN, in case a middlebox dropped the first for
            // its ECE and CWR bits: Linux tcp_ecn_clear_syn at once, FreeBSD tcp_output after ecn.maxretries.
            if retransmitCount > config.ecnSynRetries { ecn = [] }
            sendSyn(now: now, config: config, out: &out)
        case .synReceived:
            sendSynAck(now: now, config: config, out: &out)
        default:
            break
        }
    }

    // MARK: passive open

    /// RFC 9293 §3.10.7.2 third: the TCB a listener's SYN creates, in SYN-RECEIVED, answering
    /// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (Linux `tcp_conn_request`). The host picked `iss` and `tsOffset`;
    /// `ecnSetup`: the SYN asked for ECN and the policy accepts it.
    mutating func openFromSyn(
        _ seg: TCPSegment, ecnSetup: Bool, iss: SeqNum, tsOffset: UInt32?, now: Instant, config: TCPConfiguration,
        out: inout EngineOutput
    ) {
        negotiate(seg, config: config, ipv6: local?.address.isIPv6 ?? false, now: now)
        // RFC 3168 §6.1.1: a Not-ECT SYN with ECE and CWR asks for ECN (Linux tcp_ecn_create_request).
        if ecnSetup { ecn = config.ecnAgreedFlags }
        rcv.synchronize(irs: SeqNum(seg.sequenceNumber))
        let window = config.initialReceiveWindow(
            mss: ourMSS - (timestampsEnabled ? 12 : 0), receiveBuffer: receiveBufferSize)
        receiveCapacity = windowScalingEnabled ? window : min(window, 65535)
        // Linux tcp_select_initial_window keeps rcv_wnd whole; only the field is capped.
        delack.linuxWindow = config.linuxReceiveWindow
        rcvWndAdvertised = delack.linuxWindow ? window : receiveCapacity
        snd.start(iss: iss)
        sndWnd = Int(seg.window)
        maxSndWnd = sndWnd
        sndWl1 = irs
        if let tsOffset { ts.offset = tsOffset }
        setState(.synReceived, cause: .segment(seg), rfc: "RFC 9293 §3.10.7.2", linux: "tcp_conn_request",
            now: now, config: config, out: &out)
        sendSynAck(now: now, config: config, out: &out)
        timeSegment(endingAt: iss + 1, now: now)
        retransmitDeadline = now + rto
    }

    // MARK: ESTABLISHED

    /// The one way into ESTABLISHED, from SYN-SENT (RFC 9293 §3.10.7.3 fourth) or SYN-RECEIVED (§3.10.7.4 fifth):
    /// text held since the SYN is delivered, congestion control and keep-alive start, and the user learns of it.
    /// Returns `.established` for a passive child, which the host moves to its listener's accept queue.
    mutating func becomeEstablished(
        _ seg: TCPSegment, rfc: String, linux: String, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> ArrivalOutcome {
        let from = state
        retransmitCount = 0
        setState(.established, cause: .segment(seg), rfc: rfc, linux: linux, now: now, config: config, out: &out)
        if reassembly.queuedBytes > 0 { deliverHeldText(out: &out) }
        startCongestionControl(config: config)
        // Linux stamps the last receipt in tcp_finish_connect (SYN-SENT) and tcp_create_openreq_child (a passive
        // child), not when a simultaneous open leaves SYN-RECEIVED.
        if from == .synSent || passiveOpen { delack.lastReceived = now }
        armKeepalive(after: keepaliveIdle(config), now: now)
        if passiveOpen { return .established }
        out.events.append(.connected(id))
        return .none
    }
}
