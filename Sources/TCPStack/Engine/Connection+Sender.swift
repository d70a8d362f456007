import TCPWire

/// The sender's work: what goes out when the windows allow (RFC 9293 §3.10.2, RFC 5681 §3.1, RFC 1122 Nagle), and
/// what an acceptable ACK frees (RFC 9293 §3.10.7.4 fifth, RFC 6298 §5.2-§5.3). The sequence variables and the
/// retransmission timer are the send part's (SendSequence.swift); `SegmentArrives.swift` decides when.
extension Connection {
    /// States in which queued data may still go out (before our FIN).
    var canSendData: Bool {
        switch state {
        case .established, .closeWait, .finWait1, .lastAck, .closing: !finSent
        default: false
        }
    }

    /// Sends what the windows allow: after a timeout the flight again, in SACK recovery what the pipe allows
    /// (RFC 6675), else new data within min(SND.WND, cwnd) (RFC 5681 §3.1), then the FIN once everything before
    /// it is out (RFC 9293 §3.10.2, §3.10.4). Returns whether a segment went out (which carried the ACK).
    /// `corked`: this push holds partial segments (MSG_MORE; Linux `tcp_push` with `TCP_NAGLE_CORK`).
    @discardableResult
    mutating func transmit(now: Instant, config: TCPConfiguration, corked: Bool = false, out: inout EngineOutput) -> Bool {
        defer {
            updatePersistTimer(now: now, config: config)
            updateUserTimeoutClock(now: now)
        }
        var sent = false
        let (burstStart, hadFlight, flightSentAt) = (sndNxt, sndNxt != sndUna, timedSegmentSentAt)
        if resendNext != nil {
            sent = resendAfterTimeout(now: now, out: &out)
            // New data waits until the resent flight is out (Linux tcp_xmit_retransmit_queue goes first).
            if resendNext != nil {
                if sent && retransmitDeadline == nil { retransmitDeadline = now + rto }
                return sent
            }
        }
        if inSACKRecovery {
            let recoverySent = rackRuns(config)
                ? sendDuringRACKRecovery(now: now, config: config, out: &out)
                : sendDuringSACKRecovery(now: now, config: config, out: &out)
            if recoverySent { sent = true }
        } else if canSendData {
            while sendNewSegment(cwndRoom: cc.cwnd - flightSize, now: now, config: config, corked: corked, out: &out) {
                sent = true
            }
            noteSendLimits(sentNewData: sent, now: now, config: config)
        }
        if canSendData && finQueued && !finSent && sndNxt == dataEnd {
            emit(seq: sndNxt, flags: .finAck, now: now, out: &out)
            sndNxt += 1
            scoreboard.dataSent(upTo: sndNxt.rawValue)
            finSent = true
            sent = true
        }
        if sndNxt > burstStart && config.rackLossDetection && sackEnabled {
            noteBurst(from: burstStart, hadFlight: hadFlight, flightSentAt: flightSentAt, now: now)
        }
        if sent && retransmitDeadline == nil { retransmitDeadline = now + rto }
        if sent && config.tailLossProbe { scheduleLossProbe(advancing: false, now: now, config: config) }
        return sent
    }

    /// Payload bytes per new segment: the MSS, or with segment offload as many whole MSS as fit its limit, or
    /// as the pacing rate sizes them (Linux `tcp_tso_autosize`).
    private func maxSegmentPayload(_ config: TCPConfiguration, mss: Int) -> Int {
        guard config.segmentOffloadBytes > mss else { return mss }
        if config.tsoAutosize { return tsoSegments(mss: mss, config: config) * mss }
        return config.segmentOffloadBytes / mss * mss
    }

    /// One segment of new data if the receive window, `cwndRoom` and Nagle allow it.
    mutating func sendNewSegment(cwndRoom: Int, now: Instant, config: TCPConfiguration, corked: Bool = false,
        out: inout EngineOutput) -> Bool
    {
        let offset = sndNxt - sendBufferStart
        let unsent = sendBuffer.count - offset
        let usable = snd.usableWindow
        guard unsent > 0, usable > 0 else { return false }
        let sendMSS = currentMSS
        // Linux tcp_snd_wnd_test: the next segment must fit the window whole.
        if config.sendWholeSegmentsInWindow && min(unsent, sendMSS) > usable { return false }
        var length = min(unsent, maxSegmentPayload(config, mss: sendMSS), usable)
        // MSG_EOR: no segment runs past a record's end (Linux tcp_skb_can_collapse_to). Only the queue's tail meets
        // Nagle and cork below (tcp_write_xmit tests earlier skbs with TCP_NAGLE_PUSH).
        if let end = recordEnd(after: sndNxt) { length = min(length, end - sndNxt) }
        // TCP_CORK or MSG_MORE: a partial tail waits (Linux tcp_nagle_check with TCP_NAGLE_CORK).
        let corks = corksPartialSegment(corked: corked)
        // RFC 5681 §3.1: cwnd limits the flight. Linux counts cwnd in segments, so it never cuts a segment to fit;
        // an offloaded segment carries as many whole segments as cwnd allows (Linux tcp_cwnd_test quota).
        if cwndRoom < min(length, sendMSS) && sndNxt != sndUna { return false }
        if length > sendMSS { length = min(length, max(sendMSS, cwndRoom / sendMSS * sendMSS)) }
        // RFC 1122 §4.2.3.4 (Nagle): hold the small tail while data is unacknowledged, unless TCP_NODELAY; a
        // queued FIN lets it go (Linux tcp_nagle_check).
        // Linux counts only an unacknowledged small segment (Minshall, tcp_minshall_check).
        let unacknowledged = config.nagleMinshall
            ? smallSegmentEnd.map { $0 > sndUna && $0 <= sndNxt } ?? false : sndNxt != sndUna
        let policy = SendPolicy(mss: sendMSS, noDelay: noDelay, maxSendWindow: maxSndWnd)
        if length < sendMSS, length == unsent, !finQueued, corks
            || policy.nextSegmentSize(
                queued: unsent, usableWindow: usable, unacknowledged: unacknowledged, pushed: true) == 0
        {
            return false
        }
        // RFC 9293 §3.8.6.2.1 (sender SWS avoidance, BSD tcp_output): a piece cut short by the window waits while
        // data is in flight (its ACK comes back) unless it reaches Max(SND.WND) / 2; with nothing in flight it goes
        // at once, standing in for the override timer. Linux (tcp_snd_wnd_test) is not modelled: it sends as before.
        if config.senderSWSAvoidance, length < sendMSS, length < unsent, !finQueued,
            policy.nextSegmentSize(
                queued: unsent, usableWindow: usable, unacknowledged: sndNxt != sndUna, pushed: true,
                overrideExpired: sndNxt == sndUna) == 0
        {
            return false
        }
        // A large (offloaded) segment leaves behind a small tail that Nagle would hold (Linux tcp_mss_split_point).
        let tail = length % sendMSS
        if length > sendMSS, tail > 0, length == unsent, !finQueued, corks
            || policy.nextSegmentSize(
                queued: tail, usableWindow: usable, unacknowledged: unacknowledged, pushed: true) == 0
        {
            length -= tail
        }
        let payload = sendBuffer.bytes(offset: offset, count: length)
        let flags: TCPFlags = carriesPush(seq: sndNxt, length: length, mss: sendMSS, config: config) ? [.ack, .psh] : .ack
        // Dropped by the interface's queue: the data stays unsent (Linux tcp_write_xmit stops at the failure).
        guard emit(seq: sndNxt, flags: flags, payload: payload, now: now, out: &out) else { return false }
        sndNxt += length
        scoreboard.dataSent(upTo: sndNxt.rawValue)
        if length % sendMSS != 0 { smallSegmentEnd = sndNxt }  // Linux tcp_minshall_update
        let start = sndNxt + (-length)
        timeSegment(endingAt: sndNxt, leadsFlight: start == sndUna, joiningFrom: config.rttFromPartialAcks ? start : nil,
            now: now)
        return true
    }

    // MARK: acknowledgment

    /// Frees acknowledged bytes and restarts or stops the retransmission timer (RFC 6298 §5.2, §5.3).
    mutating func acknowledge(upTo ack: SeqNum, now: Instant, config: TCPConfiguration) {
        let acked = min(ack - sendBufferStart, sendBuffer.count)
        if acked > 0 {
            sendBuffer.discard(acked)
            sendBufferStart += acked
        }
        if sendBufferStart < ack { sendBufferStart = ack }
        if rareState != nil { reportAcknowledged(upTo: ack, now: now) }
        sndUna = ack
        acknowledgedRecords()
        retransmitCount = 0
        retransmitDeadline = sndUna == sndNxt ? nil : now + rto  // RFC 6298 §5.2, §5.3
        if userTimeout.timeout != nil {
            // RFC 5482: progress restarts the user timeout.
            userTimeout.acknowledged(dataStillOutstanding: sndUna != sndNxt, at: now)
        }
        noteAcknowledged(acked: acked, now: now)
    }
}
