import TCPWire

/// What the host must do after a connection processed a segment.
enum ArrivalOutcome {
    case none
    /// A passive child reached ESTABLISHED: move it to its listener's accept queue.
    case established
    /// A new SYN may reopen this TIME-WAIT connection: delete it and hand the SYN to a listener.
    case reopen
}

/// SEGMENT ARRIVES for a connection that exists (RFC 9293 §3.10.7.3 and §3.10.7.4): the one dispatcher over
/// (state, segment), as smoltcp's `process`: a switch on the state, then the RFC's steps in order, each arm citing
/// its rule. LISTEN and CLOSED are the host's (HostStack+PassiveOpen.swift §3.10.7.2, HostStack+NoConnection.swift
/// §3.10.7.1). The arms decide; the parts that own the state carry it out: the handshake
/// (Connection+Handshake.swift: SYN options, SYN-ACK, becoming ESTABLISHED), the sender (Connection+Sender.swift,
/// SendSequence; congestion, RACK, loss probe, persist) and the receiver (Connection+Receiver.swift,
/// ReceiveSequence; delayed ACK, receive window).
extension Connection {
    mutating func segmentArrives(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> ArrivalOutcome {
        switch state {
        case .closed, .listen:
            return .none
        case .synSent:
            synSentArrives(seg, now: now, config: config, out: &out)
            return .none
        case .synReceived where passiveOpen && config.resendSynAckForRetransmittedSyn && isRetransmittedSyn(seg):
            // Linux tcp_check_req: the peer retransmitted its SYN, so our SYN-ACK was lost: resend it. (RFC 9293
            // §3.10.7.4 first: SEG.SEQ < RCV.NXT fails the sequence check and draws an ACK.)
            sendSynAck(now: now, config: config, out: &out)
            return .none
        case .timeWait:
            return timeWaitArrives(seg, now: now, config: config, out: &out)
        default:
            return synchronizedArrives(seg, now: now, config: config, out: &out)
        }
    }

    // MARK: SYN-SENT

    private mutating func synSentArrives(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) {
        let flags = seg.flags
        let seq = SeqNum(seg.sequenceNumber)
        let ack = SeqNum(seg.acknowledgmentNumber)
        let cause = TransitionCause.segment(seg)
        var ackAcceptable = false
        if flags.contains(.ack) {
            if ack <= iss || ack > sndNxt {
                // RFC 9293 §3.10.7.3 first: unacceptable ACK: <SEQ=SEG.ACK><CTL=RST> unless it is a RST; drop.
                if !flags.contains(.rst) { sendReset(seq: ack, ack: nil, out: &out) }
                return
            }
            ackAcceptable = sndUna < ack && ack <= sndNxt
        }
        if flags.contains(.rst) {
            // RFC 9293 §3.10.7.3 second (RFC 5961 §3.2): a RST counts only if it acknowledges our SYN.
            guard ackAcceptable else { return }
            pendingError = .connectionRefused
            setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.7.3", linux: "tcp_reset", now: now,
                config: config, out: &out)
            out.events.append(.refused(id))
            return
        }
        // RFC 9293 §3.10.7.3 fifth: neither SYN nor RST: drop.
        guard flags.contains(.syn) else { return }
        if !ackAcceptable && !config.simultaneousConnect {
            // linux-hardened tcp_rcv_synsent_state_process with net.ipv4.tcp_simult_connect = 0 (commit
            // fc4ae211c1ec, from grsecurity): a SYN without ACK is discarded; our SYN's retransmission timer runs
            // on, so connect() ends in ETIMEDOUT (RFC 9293 §3.10.7.3 fourth is not applied).
            if out.tracing {
                out.transitions.append(Transition(socket: id, from: state, to: state, cause: cause,
                    rfc: "RFC 9293 §3.10.7.3 (not applied)", linux: "tcp_simult_connect=0 -> tcp_rcv_synsent_state_process"))
            }
            return
        }

        // RFC 9293 §3.10.7.3 fourth: the SYN fixes the receive sequence space.
        rcv.synchronize(irs: seq)
        negotiate(seg, config: config, ipv6: local?.address.isIPv6 ?? false, now: now)
        ecnHandshakeArrives(seg)
        if !windowScalingEnabled && !config.linuxReceiveWindow { rcvWndAdvertised = min(rcvWndAdvertised, 65535) }
        sndWnd = Int(seg.window)
        maxSndWnd = sndWnd
        sndWl1 = seq
        sndWl2 = ack
        if ackAcceptable {
            // RFC 9293 §3.10.7.3 fourth: our SYN is acknowledged: ESTABLISHED, send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
            if rareState != nil { fastOpenSynAckArrives(seg) }
            sndUna = ack
            retransmitDeadline = nil
            sampleRTT(ack: ack, echo: seg.options.timestamps?.echoReply, now: now)
            if retransmitCount > 0 && rtt.smoothedRTT == nil {
                // RFC 6298 §5.7: the SYN timed out and gave no sample: data starts at 3 s (Linux
                // TCP_TIMEOUT_FALLBACK in tcp_init_transfer).
                var fallback = config.rtoParameters
                fallback.initial = max(fallback.initial, .seconds(3))
                rtt = RTOEstimator(parameters: fallback)
            }
            _ = becomeEstablished(seg, rfc: "RFC 9293 §3.10.7.3", linux: "tcp_rcv_synsent_state_process", now: now,
                config: config, out: &out)
            peerHeard(now: now)
            if config.acceptTextOnSynAck && !seg.payload.isEmpty {
                // RFC 9293 §3.10.7.3 fourth: "continue processing at the sixth step": the text is queued.
                _ = receiveText(seg, now: now, config: config, out: &out)
            }
            if !transmit(now: now, config: config, out: &out) { sendAck(now: now, out: &out) }
        } else {
            // RFC 9293 §3.10.7.3 fourth: a SYN without ACK (simultaneous open): SYN-RECEIVED, send
            // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> reusing our ISS. Linux: tcp_rcv_synsent_state_process.
            setState(.synReceived, cause: cause, rfc: "RFC 9293 §3.10.7.3",
                linux: "tcp_rcv_synsent_state_process", now: now, config: config, out: &out)
            if config.acceptTextOnSynAck && !seg.payload.isEmpty {
                // RFC 9293 §3.10.7.3 fourth: "Data or controls that were queued for transmission may be included"
                // and text is processed later: held until ESTABLISHED (FreeBSD tcp_reass in SYN-RECEIVED), not
                // acknowledged by the SYN-ACK. The SYN byte stays a gap below it; a FIN on it is dropped.
                holdSynText(seg.payload)
            }
            sendSynAck(now: now, config: config, out: &out)
        }
    }

    // MARK: SYN-RECEIVED

    /// The peer's SYN again: SYN without ACK or RST, at IRS.
    private func isRetransmittedSyn(_ seg: TCPSegment) -> Bool {
        seg.flags.contains(.syn) && !seg.flags.contains(.ack) && !seg.flags.contains(.rst)
            && SeqNum(seg.sequenceNumber) == irs
    }

    // MARK: synchronized states

    /// RFC 7323 §5.3 R1 (PAWS): a non-RST segment whose TSval is older than TS.Recent is a wrapped old duplicate.
    /// Linux allows one tick of slack (`TCP_PAWS_WINDOW`, tcp_paws_check); the RFC none. A TS.Recent idle for over
    /// 24 days judges nothing (RFC 7323 §5.5; Linux `TCP_PAWS_24DAYS`). Not modelled: Linux's exception for
    /// reordered pure ACKs.
    private func passesPAWS(_ seg: TCPSegment, now: Instant, config: TCPConfiguration) -> Bool {
        guard timestampsEnabled, !seg.flags.contains(.rst), let ts = seg.options.timestamps else { return true }
        let slack: Int32 = config.sequenceCheck == .linux ? 1 : 0
        return self.ts.passesPAWS(ts.value, slack: slack, now: now)
    }

    /// RFC 9293 §3.10.7.4 "first": is the segment in the receive window? (The receiver's test, ReceiveSequence.)
    private func isAcceptable(_ seg: TCPSegment, config: TCPConfiguration) -> Bool {
        rcv.isAcceptable(seq: SeqNum(seg.sequenceNumber), length: seg.sequenceLength, check: config.sequenceCheck)
    }

    private mutating func synchronizedArrives(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> ArrivalOutcome {
        let flags = seg.flags
        let seq = SeqNum(seg.sequenceNumber)
        let ack = SeqNum(seg.acknowledgmentNumber)
        let cause = TransitionCause.segment(seg)

        if config.rstAndSynBeforeSequenceCheck && (flags.contains(.rst) || (flags.contains(.syn) && state != .synReceived)) {
            // FreeBSD tcp_do_segment: RST and SYN are judged before the window trim, against
            // [RCV.NXT, RCV.NXT + rcv_wnd), where rcv_wnd is the larger of the free buffer and the window offered.
            let space = max(receiveCapacity - receiveBuffer.count, receiveWindow)
            let inWindow = (rcvNxt <= seq && seq < rcvNxt + UInt32(clamping: space)) || (space == 0 && seq == rcvNxt)
            if flags.contains(.rst) {
                // RFC 5961 §3.2: outside the window: drop; exactly RCV.NXT (or any in-window RST without RFC 5961):
                // reset; otherwise a challenge ACK.
                guard inWindow else { return .none }
                if seq == rcvNxt || !config.rstChallengeAck {
                    resetArrives(seg, now: now, config: config, out: &out)
                } else {
                    sendChallengeAck(for: seg, now: now, config: config, out: &out)
                }
                return .none
            }
            if config.resetOnSynInWindow && inWindow {
                // RFC 793 §3.9: a SYN in the window is an error: reset, "connection reset", CLOSED. FreeBSD
                // tcp_drop sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, window 0.
                sendReset(seq: sndNxt, ack: rcvNxt, out: &out)
                pendingError = .connectionReset
                out.events.append(.reset(id))
                sendBuffer.removeAll()
                setState(.closed, cause: cause, rfc: "RFC 793 §3.9", linux: "tcp_drop (FreeBSD insecure_syn)",
                    now: now, config: config, out: &out)
            } else {
                // RFC 5961 §4.2: challenge ACK.
                sendChallengeAck(for: seg, now: now, config: config, out: &out)
            }
            return .none
        }

        // first: sequence number, after PAWS (RFC 7323 §5.3 R1; Linux tcp_validate_incoming -> tcp_paws_discard),
        // whose failures are answered like an unacceptable segment.
        guard passesPAWS(seg, now: now, config: config), isAcceptable(seg, config: config) else {
            // RFC 9293 §3.10.7.4 first: an unacceptable RST is dropped silently.
            if flags.contains(.rst) { return .none }
            if flags.contains(.syn) && config.sequenceCheck == .linux {
                // Linux tcp_validate_incoming `syn_challenge`: a SYN outside the window draws a challenge ACK
                // (RFC 5961 §4.2).
                sendChallengeAck(for: seg, now: now, config: config, out: &out)
                return .none
            }
            // RFC 9293 §3.10.7.4 first: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; an old duplicate is reported as
            // a D-SACK (RFC 2883 §4; Linux tcp_send_dupack).
            noteDuplicate(seg, config: config)
            sendOutOfWindowAck(seg, now: now, config: config, out: &out)
            return .none
        }

        // second: RST.
        if flags.contains(.rst) {
            if seq == rcvNxt || !config.rstChallengeAck {
                // RFC 5961 §3.2 (RFC 9293 §3.10.7.4 second): exactly RCV.NXT: reset.
                resetArrives(seg, now: now, config: config, out: &out)
            } else {
                // RFC 5961 §3.2: in the window but not exact: challenge ACK.
                sendChallengeAck(for: seg, now: now, config: config, out: &out)
            }
            return .none
        }

        // fourth: SYN.
        if flags.contains(.syn) {
            // `!passiveOpen && descriptorOpen` is Linux's `sk->sk_socket`: an active open a user still holds.
            let retransmittedSynAck = state == .synReceived && !passiveOpen && descriptorOpen && flags.contains(.ack)
                && seg.sequenceLength == 1 && seq + 1 == rcvNxt && ack == sndNxt
            if !(config.acceptSynAckInSynReceived && retransmittedSynAck) {
                // RFC 9293 §3.10.7.4 fourth / RFC 5961 §4.2: a SYN in a synchronized state draws a challenge ACK
                // (Linux tcp_validate_incoming -> tcp_send_challenge_ack).
                sendChallengeAck(for: seg, now: now, config: config, out: &out)
                return .none
            }
            // Linux >= 6.11 tcp_validate_incoming: the SYN-ACK of a simultaneous open (seq + 1 == RCV.NXT,
            // ack == SND.NXT) passes; its SYN byte is then an old duplicate (seventh step).
        }

        // fifth: ACK. RFC 9293 §3.10.7.4 fifth: without ACK, drop.
        guard flags.contains(.ack) else { return .none }
        var outcome = ArrivalOutcome.none
        if state == .synReceived {
            guard sndUna < ack && ack <= sndNxt else {
                // RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>.
                sendReset(seq: ack, ack: nil, out: &out)
                return .none
            }
            // RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: acceptable ACK: ESTABLISHED, with the window it carries
            // (Linux tcp_rcv_state_process).
            snd.updateWindow(Int(seg.window) << (flags.contains(.syn) ? 0 : Int(sndWscale)), seq: seq, ack: ack)
            outcome = becomeEstablished(seg, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_rcv_state_process", now: now,
                config: config, out: &out)
        }
        // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
        if ack > sndNxt || ack < sndUna - UInt32(clamping: maxSndWnd) {
            // RFC 9293 §3.10.7.4 fifth: ACK of unsent data: send an ACK and drop (RFC 5961 §5.2 challenge ACK).
            sendChallengeAck(for: seg, now: now, config: config, out: &out)
            return outcome
        }
        noteTimestamp(seg, now: now)
        peerHeard(now: now)
        let previousUna = sndUna
        let windowUnchanged = Int(seg.window) << (flags.contains(.syn) ? 0 : Int(sndWscale)) == sndWnd
        if sndUna < ack {
            // RFC 9293 §3.10.7.4 fifth: new data acknowledged; an RTT sample (RFC 6298 §2, RFC 7323 §4).
            sampleRTT(ack: ack, echo: seg.options.timestamps?.echoReply, now: now, partialAcks: config.rttFromPartialAcks)
            acknowledge(upTo: ack, now: now, config: config)
        }
        if snd.takesWindowUpdate(seq: seq, ack: ack) {
            // RFC 9293 §3.10.7.4 fifth: window update (only from a segment not older than the last one used).
            snd.updateWindow(Int(seg.window) << (flags.contains(.syn) ? 0 : Int(sndWscale)), seq: seq, ack: ack)
        }
        // RFC 3168 §6.1.2: an echoed congestion mark reduces cwnd as a loss would (ECN.swift).
        if ecnFlagsValue != 0 { ecnEchoArrives(seg, now: now) }
        // RFC 5681 §3, RFC 6582, RFC 6675: the congestion response (Connection+Congestion.swift).
        congestionAckArrives(seg, previousUna: previousUna, windowUnchanged: windowUnchanged, now: now, config: config,
            out: &out)
        if config.tailLossProbe { lossProbeAfterAck(seg, previousUna: previousUna, now: now, config: config) }
        // RFC 1122 §4.2.2.17: an answered probe resets the give-up count (Linux tcp_ack: icsk_probes_out = 0).
        persist.ackReceived(windowOpen: (sndUna + sndWnd) - sndNxt > 0, at: now)
        switch state {
        case .finWait1 where ourFinAcked:
            // RFC 9293 §3.10.7.4 fifth, FIN-WAIT-1: our FIN is acknowledged.
            setState(.finWait2, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_rcv_state_process",
                now: now, config: config, out: &out)
        case .closing where ourFinAcked:
            // RFC 9293 §3.10.7.4 fifth, CLOSING: our FIN is acknowledged: TIME-WAIT.
            setState(.timeWait, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_rcv_state_process",
                now: now, config: config, out: &out)
            return outcome
        case .lastAck where ourFinAcked:
            // RFC 9293 §3.10.7.4 fifth, LAST-ACK: our FIN is acknowledged: CLOSED.
            setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_rcv_state_process",
                now: now, config: config, out: &out)
            out.events.append(.closed(id))
            return outcome
        default:
            break
        }

        if receivesDataAfterClose(seg, config: config) {
            // RFC 1122 §4.2.2.13: new data after CLOSE is lost: tell the peer with <SEQ=SEG.ACK><CTL=RST>
            // (Linux tcp_rcv_state_process, TCPAbortOnData -> tcp_reset).
            sendReset(seq: ack, ack: nil, out: &out)
            if descriptorOpen {
                pendingError = .connectionReset
                out.events.append(.reset(id))
            }
            setState(.closed, cause: cause, rfc: "RFC 1122 §4.2.2.13", linux: "tcp_rcv_state_process", now: now,
                config: config, out: &out)
            return outcome
        }

        // sixth: the URG bit; seventh: segment text; eighth: FIN.
        if flags.contains(.urg) && config.urgentByteOutOfBand { checkUrgent(seg) }
        var urgency = receiveText(seg, now: now, config: config, out: &out)
        if flags.contains(.fin) && !peerFinReceived
            && seq + (flags.contains(.syn) ? 1 : 0) + seg.payload.count == rcvNxt
        {
            urgency = max(urgency, finArrives(seg, now: now, config: config, out: &out))
        }
        // Data we send carries the ACK; otherwise the delayed-ACK policy decides (Connection+DelayedAck.swift).
        if !transmit(now: now, config: config, out: &out) {
            acknowledgeReceived(urgency, now: now, config: config, out: &out)
        }
        return outcome
    }

    /// New data in FIN-WAIT-1/2 for a socket whose reading side is shut (close() or SHUT_RD): Linux's
    /// `RCV_SHUTDOWN` test in tcp_rcv_state_process.
    private func receivesDataAfterClose(_ seg: TCPSegment, config: TCPConfiguration) -> Bool {
        guard config.resetOnCloseWithUnreadData, state == .finWait1 || state == .finWait2,
            !descriptorOpen || readShutdown, !seg.payload.isEmpty
        else { return false }
        return SeqNum(seg.sequenceNumber) + seg.payload.count > rcvNxt
    }

    /// RFC 9293 §3.10.7.4 seventh. Returns how urgently the segment must be acknowledged.
    private mutating func receiveText(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> AckUrgency {
        let length = seg.sequenceLength
        guard length > 0 else { return .none }
        let seq = SeqNum(seg.sequenceNumber)
        if seq + length <= rcvNxt {
            // Entirely old (a retransmission, or the SYN byte of an accepted SYN-ACK): ACK at once with a
            // D-SACK (RFC 2883 §4; Linux tcp_data_queue -> tcp_dsack_set, tcp_enter_quickack_mode).
            noteDuplicate(seg, config: config)
            enterQuickAckMode()
            return .now
        }
        guard !seg.payload.isEmpty else { return .none }
        switch state {
        case .established, .finWait1, .finWait2:
            // RFC 9293 §3.10.7.4 seventh: ESTABLISHED, FIN-WAIT-1/2: the text goes to the user (Connection+Receiver).
            return queueText(seg, now: now, config: config, out: &out)
        default:
            // RFC 9293 §3.10.7.4 seventh: CLOSE-WAIT, CLOSING, LAST-ACK: the peer already sent its FIN; ignore.
            return .none
        }
    }

    /// RFC 9293 §3.10.7.4 eighth: the FIN, in order. Returns how urgently it must be acknowledged: at once
    /// (RFC 9293 §3.10.7.4 eighth, BSD TF_ACKNOW), except that Linux tcp_fin enters pingpong mode in
    /// SYN-RECEIVED/ESTABLISHED and lets the delayed-ACK timer or our next segment carry it.
    private mutating func finArrives(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> AckUrgency {
        var urgency = AckUrgency.now
        if config.delayedAck == .linux && (state == .established || state == .synReceived) {
            delack.pingpong = true
            // Linux tcp_data_queue: with the receive queue already over sk_rcvbuf, tcp_try_rmem_schedule fails
            // and the ACK goes at once (ICSK_ACK_NOW | ICSK_ACK_NOMEM).
            urgency = receiveBuffer.count > (receiveBufferSize ?? config.receiveBufferDefault) ? .now : .delayed
        }
        defer { delack.scheduled = true }
        let cause = TransitionCause.segment(seg)
        rcvNxt += 1
        peerFinReceived = true
        // Linux tcp_fin purges the out-of-order queue and resets SACK state: the ACK of this FIN carries no
        // D-SACK for old data that came with it.
        if config.finResetsSACK { reassembly.finReceived() }
        out.events.append(.peerClosed(id))
        out.events.append(.readable(id))
        switch state {
        case .synReceived, .established:
            // RFC 9293 §3.10.7.4 eighth: SYN-RECEIVED/ESTABLISHED -> CLOSE-WAIT (Linux tcp_fin).
            setState(.closeWait, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_fin", now: now,
                config: config, out: &out)
        case .finWait1 where ourFinAcked:
            // RFC 9293 §3.10.7.4 eighth, FIN-WAIT-1: our FIN acknowledged too: TIME-WAIT (Linux tcp_fin).
            setState(.timeWait, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_fin", now: now,
                config: config, out: &out)
        case .finWait1:
            // RFC 9293 §3.10.7.4 eighth, FIN-WAIT-1: simultaneous close: CLOSING (Linux tcp_fin).
            setState(.closing, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_fin", now: now,
                config: config, out: &out)
        case .finWait2:
            // RFC 9293 §3.10.7.4 eighth, FIN-WAIT-2: TIME-WAIT (Linux tcp_fin -> tcp_time_wait).
            setState(.timeWait, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_fin", now: now,
                config: config, out: &out)
        default:
            // RFC 9293 §3.10.7.4 eighth: CLOSE-WAIT, CLOSING, LAST-ACK remain.
            break
        }
        return urgency
    }

    /// RFC 9293 §3.10.7.4 second: an acceptable RST, by state.
    private mutating func resetArrives(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) {
        let cause = TransitionCause.segment(seg)
        switch state {
        case .synReceived where !passiveOpen:
            // RFC 9293 §3.10.7.4 second, SYN-RECEIVED from an active OPEN: connection refused.
            pendingError = .connectionRefused
            out.events.append(.refused(id))
        case .synReceived:
            // RFC 9293 §3.10.7.4 second, SYN-RECEIVED from a passive OPEN: drop the embryonic connection
            // (the listener stays in LISTEN).
            break
        case .established, .finWait1, .finWait2:
            // RFC 9293 §3.10.7.4 second: the user is told "connection reset".
            pendingError = .connectionReset
            out.events.append(.reset(id))
        case .closeWait where config.resetAlwaysReportsConnectionReset,
            .closing where config.resetAlwaysReportsConnectionReset,
            .lastAck where config.resetAlwaysReportsConnectionReset:
            // FreeBSD tcp_do_segment: so_error = ECONNRESET in every synchronized state.
            pendingError = .connectionReset
            out.events.append(.reset(id))
        case .closeWait:
            // RFC 9293 §3.10.7.4 second: "connection reset"; the errno is Linux's: tcp_reset sets EPIPE in
            // CLOSE_WAIT (the peer had already finished sending).
            pendingError = .brokenPipe
            out.events.append(.reset(id))
        default:
            // RFC 9293 §3.10.7.4 second, CLOSING, LAST-ACK, TIME-WAIT: just close.
            break
        }
        sendBuffer.removeAll()
        setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.7.4", linux: "tcp_reset", now: now, config: config,
            out: &out)
    }

    // MARK: TIME-WAIT

    /// RFC 9293 §3.10.7.4 for TIME-WAIT, with RFC 6191 (Linux tcp_timewait_state_process).
    private mutating func timeWaitArrives(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> ArrivalOutcome {
        let flags = seg.flags
        let seq = SeqNum(seg.sequenceNumber)
        if flags.contains(.syn) && !flags.contains(.ack) && !flags.contains(.rst) {
            let newerTimestamp = timestampsEnabled
                && seg.options.timestamps.map { Int32(bitPattern: $0.value &- self.ts.recent) > 0 } == true
            // RFC 9293 §3.10.7.4 fourth reopens only on the timestamp test; without timestamps the sequence test
            // is RFC 1122 §4.2.2.13 (RFC 9293 §3.6.1 MAY-2) and RFC 6191 §2, which Linux applies.
            let newerSequence = config.reopenTimeWaitBySequence && !timestampsEnabled && seq > rcvNxt
            if config.reopenTimeWaitWithSyn && (newerTimestamp || newerSequence) {
                // RFC 6191 §2 / RFC 9293 §3.10.7.4 fourth: a new incarnation may take over TIME-WAIT
                // (Linux TCP_TW_SYN).
                return .reopen
            }
            // RFC 9293 §3.10.7.4 fourth, RFC 5961 §4.2: otherwise a challenge ACK.
            sendChallengeAck(for: seg, now: now, config: config, out: &out)
            return .none
        }
        guard isAcceptable(seg, config: config) || flags.contains(.fin) else {
            // RFC 9293 §3.10.7.4 first: unacceptable: ACK unless RST.
            if !flags.contains(.rst) { sendOutOfWindowAck(seg, now: now, config: config, out: &out) }
            return .none
        }
        if flags.contains(.rst) {
            if seq == rcvNxt || !config.rstChallengeAck {
                // RFC 9293 §3.10.7.4 second, TIME-WAIT: close (RFC 1337 protection is off, as in Linux).
                setState(.closed, cause: .segment(seg), rfc: "RFC 9293 §3.10.7.4",
                    linux: "tcp_timewait_state_process", now: now, config: config, out: &out)
            } else {
                sendChallengeAck(for: seg, now: now, config: config, out: &out)
            }
            return .none
        }
        if config.timeWaitDropsSegmentsWithoutAck && !flags.contains(.ack) {
            // RFC 9293 §3.10.7.4 fifth: without ACK, drop (FreeBSD tcp_twcheck, before the FIN and ACK rules).
            return .none
        }
        if flags.contains(.fin) && seq + seg.payload.count + 1 == rcvNxt {
            // RFC 9293 §3.10.7.4 eighth, TIME-WAIT: a retransmitted FIN: ACK it and restart the 2 MSL timer.
            timeWaitDeadline = now + config.timeWaitDuration
            sendAck(now: now, out: &out)
        } else if config.ackSegmentsInTimeWait && (seq != rcvNxt || seg.sequenceLength > 0) {
            // Linux tcp_timewait_state_process TCP_TW_ACK: anything but a bare in-order ACK is ACKed (rate-limited
            // like an out-of-window ACK) and restarts TIME-WAIT. RFC 9293 §3.10.7.4 seventh ignores the text.
            timeWaitDeadline = now + config.timeWaitDuration
            sendOutOfWindowAck(seg, now: now, config: config, out: &out)
        }
        return .none
    }
}
