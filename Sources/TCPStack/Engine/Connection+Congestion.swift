import TCPWire

/// Congestion control and loss recovery in the engine: the `CongestionController` limits the flight (RFC 5681),
/// three duplicate ACKs start fast retransmit and NewReno fast recovery (RFC 5681 §3.2, RFC 6582), or with SACK the
/// scoreboard drives recovery (RFC 6675); a retransmission timeout collapses cwnd and resends the flight.
extension TCPConfiguration {
    /// The algorithm a new connection runs, unless TCP_CONGESTION chose one.
    func congestionAlgorithm(for socketChoice: CongestionAlgorithm?) -> CongestionAlgorithm {
        socketChoice ?? congestionControl
    }
}

extension Connection {
    /// Bytes sent and not acknowledged (RFC 5681 FlightSize), SYN/FIN included.
    var flightSize: Int { sndNxt - sndUna }

    /// One past the last byte of data queued (the FIN's sequence number once it is sent).
    var dataEnd: SeqNum { sendBufferStart + sendBuffer.count }

    /// SACK-based loss recovery (RFC 6675) is running.
    var inSACKRecovery: Bool { sackEnabled && cc.inFastRecovery }

    /// The connection reached ESTABLISHED: the initial window of RFC 6928 (RFC 5681 §3.1), and a scoreboard
    /// starting at SND.UNA.
    mutating func startCongestionControl(config: TCPConfiguration) {
        cc = CongestionController(
            config.congestionAlgorithm(for: congestionAlgorithm), mss: sendMSS,
            initialSegments: config.initialWindowSegments)
        scoreboard = SACKScoreboard(sndUna: sndUna.rawValue, mss: sendMSS)
        scoreboard.dataSent(upTo: sndNxt.rawValue)
        resendNext = nil
    }

    /// The congestion response to an acceptable ACK, after SND.UNA moved from `previousUna` to `ack`.
    /// `windowUnchanged`: the segment advertised the window we already had (RFC 5681 §2 duplicate-ACK test).
    mutating func congestionAckArrives(
        _ seg: TCPSegment, previousUna: SeqNum, windowUnchanged: Bool, now: Instant, config: TCPConfiguration,
        out: inout EngineOutput
    ) {
        let ack = SeqNum(seg.acknowledgmentNumber)
        let dataStart = previousUna > iss ? previousUna : iss + 1  // the SYN's octet is no data
        let newlyAcked = max(0, ack - dataStart)
        var newlySACKed = 0
        let rackMode = rackRuns(config) && (rareState?.rack != nil || !seg.options.sackBlocks.isEmpty)
        // The first SACK of a flight sent at one instant (see `noteBurst`).
        if rackMode && rareState?.rack == nil { startRACK(flightSentAt: timedSegmentSentAt) }
        let priorSacked = rackMode && scoreboard.sackedBytes > 0 ? scoreboard.sackedBlocks : []
        if sackEnabled {
            // RFC 6675 §5: update the scoreboard; a D-SACK (RFC 2883) is set apart and is no loss signal.
            newlySACKed = scoreboard.ackReceived(ack: ack.rawValue, blocks: seg.options.sackBlocks).newlySACKed
        }
        if let next = resendNext {
            // The receiver may hold more than we resent (Linux tcp_enter_loss keeps going from SND.UNA).
            if sndUna == sndNxt { resendNext = nil } else if next < sndUna { resendNext = sndUna }
        }
        let outstanding = sndNxt != sndUna
        defer {
            // Once SND.UNA passes `recover` it no longer guards anything (RFC 6582 §3.2 step 2); forgetting it
            // keeps a stale value from looking "ahead" after 2^31 bytes of sequence space.
            if let recover = cc.window.recover, !cc.inFastRecovery, SeqNum(recover) < sndUna {
                cc.window.recover = nil
            }
        }
        if rackMode {
            rackAckArrives(
                ack: ack, previousUna: previousUna, priorSacked: priorSacked, newlyAcked: newlyAcked,
                sackInfo: !seg.options.sackBlocks.isEmpty, now: now, config: config)
            return
        }
        if sackEnabled {
            sackAckArrives(ack: ack, newlyAcked: newlyAcked, newlySACKed: newlySACKed, outstanding: outstanding,
                now: now, config: config, out: &out)
            return
        }
        // RFC 5681 §2: a duplicate ACK carries no data, no SYN/FIN, does not move SND.UNA or the window, and
        // arrives while data is outstanding.
        let duplicate = newlyAcked == 0 && outstanding && seg.payload.isEmpty && windowUnchanged
            && !seg.flags.contains(.syn) && !seg.flags.contains(.fin)
        guard newlyAcked > 0 || duplicate else { return }
        var sample = AckSample(
            ack: ack.rawValue, newlyAcked: newlyAcked, isDuplicate: duplicate, flightSize: flightSize,
            sndNxt: sndNxt.rawValue, now: now, smoothedRTT: rtt.smoothedRTT)
        sample.slowStartCountsEveryAckedByte = config.slowStartCountsEveryAckedByte
        let action = cc.ackReceived(sample)
        switch action {
        case .none:
            break
        case .fastRetransmit:
            // RFC 5681 §3.2 step 2 (Linux tcp_fastretrans_alert): resend the first unacknowledged segment.
            ecnLossReducedWindow()
            retransmitHead(now: now, out: &out)
        case .retransmitAfterPartialAck:
            // RFC 6582 §3.2 step 3: a partial ACK: resend the next hole. The timer was already restarted by the
            // new ACK (RFC 6582's "slow but steady" variant, RFC 6298 §5.3).
            retransmitHead(now: now, out: &out)
        }
    }

    /// RFC 6675 with the scoreboard: duplicate ACKs are ACKs with new SACK information; recovery starts at
    /// DupThresh of them or when SND.UNA is deemed lost, and ends when RecoveryPoint is acknowledged.
    private mutating func sackAckArrives(
        ack: SeqNum, newlyAcked: Int, newlySACKed: Int, outstanding: Bool, now: Instant, config: TCPConfiguration,
        out: inout EngineOutput
    ) {
        if newlyAcked > 0 {
            if cc.inFastRecovery, let recover = cc.window.recover, ack < SeqNum(recover) {
                // RFC 6675 §5: a partial ACK keeps recovery going; the pipe decides what goes next.
                cc.window.duplicateAcks = 0
                return
            }
            // RFC 5681 §3.1 growth, or the full ACK that ends recovery (RFC 6675 §5, RFC 6582 §3.2 step 3).
            var sample = AckSample(
                ack: ack.rawValue, newlyAcked: newlyAcked, isDuplicate: false, flightSize: flightSize,
                sndNxt: sndNxt.rawValue, now: now, smoothedRTT: rtt.smoothedRTT)
            sample.slowStartCountsEveryAckedByte = config.slowStartCountsEveryAckedByte
            _ = cc.ackReceived(sample)
        } else if outstanding && newlySACKed > 0 {
            cc.window.duplicateAcks += 1  // RFC 6675 §2 DupAcks
        }
        guard outstanding, !cc.inFastRecovery, resendNext == nil,
            cc.window.duplicateAcks >= scoreboard.dupThresh || scoreboard.isLost(sndUna.rawValue),
            cc.window.recover.map({ SeqNum($0) < ack }) ?? true
        else { return }
        // RFC 6675 §5 (4): RecoveryPoint = HighData, ssthresh = cwnd = the algorithm's reduction of FlightSize
        // (RFC 5681 eq. (4); CUBIC: RFC 9438 §4.6), then resend the first lost segment.
        let ssthresh = cc.ssthreshAfterLoss(flightSize: flightSize, now: now)
        cc.window.recover = sndNxt.rawValue
        cc.window.ssthresh = ssthresh
        cc.window.cwnd = ssthresh
        cc.window.inFastRecovery = true
        cc.window.partialAckSeen = false
        ecnLossReducedWindow()
        retransmitHead(now: now, out: &out)
    }

    /// Resends the segment at SND.UNA (fast retransmit, a NewReno partial ACK, RFC 6675 §5 (4.3)).
    mutating func retransmitHead(now: Instant, out: inout EngineOutput) {
        guard sndNxt != sndUna else { return }
        timedSegmentEnd = nil  // RFC 6298 §3 (Karn)
        let end = sndUna + sendSegment(at: sndUna, maxLength: sendMSS, now: now, out: &out)
        scoreboard.retransmitted(upTo: end.rawValue)
    }

    /// The retransmission timer expired in a synchronized state (RFC 6298 §5.4-§5.6, RFC 5681 §3.1, RFC 6675
    /// §5.1; Linux tcp_retransmit_timer -> tcp_enter_loss): cwnd falls to the loss window, ssthresh is reduced on the
    /// first expiry of an episode, and the flight is resent from SND.UNA as cwnd allows, skipping SACKed data.
    mutating func retransmissionTimedOut(firstExpiry: Bool, now: Instant, config: TCPConfiguration,
        out: inout EngineOutput
    ) {
        if firstExpiry {
            cc.retransmissionTimeout(flightSize: flightSize, sndNxt: sndNxt.rawValue, now: now)
        } else {
            cc.window.cwnd = cc.window.mss  // RFC 5681 §3.1: LW again; ssthresh stays
            cc.window.inFastRecovery = false
        }
        scoreboard.retransmissionTimeout()
        if rareState?.rack != nil {
            let (una, nxt, sacked) = (sndUna, sndNxt, scoreboard.sackedBlocks)
            withRACK { $0.timedOut(una: una, sndNxt: nxt, sacked: sacked) }
        }
        timedSegmentEnd = nil
        lossProbeHighSeq = nil
        lossProbeArmed = false
        resendNext = sndUna
        transmit(now: now, config: config, out: &out)
    }

    /// Sends the flight again after a timeout, from `resendNext` up to SND.NXT, within cwnd. Returns whether
    /// anything went out.
    mutating func resendAfterTimeout(now: Instant, out: inout EngineOutput) -> Bool {
        var sent = false
        while var next = resendNext {
            // Skip what the receiver reported holding (RFC 6675 §5.1).
            if sackEnabled {
                for b in scoreboard.sackedBlocks where SeqNum(b.left) <= next && next < SeqNum(b.right) {
                    next = SeqNum(b.right)
                }
            }
            guard next < sndNxt else {
                resendNext = nil
                break
            }
            let inFlight = next - sndUna
            var length = min(sendMSS, sndNxt - next)
            if sackEnabled, let b = scoreboard.sackedBlocks.first(where: { next < SeqNum($0.left) }) {
                length = min(length, SeqNum(b.left) - next)
            }
            // Whole segments only, while anything is in flight (cwnd counts segments in Linux).
            if inFlight > 0 && cc.cwnd - inFlight < length {
                resendNext = next
                break
            }
            let used = sendSegment(at: next, maxLength: length, now: now, out: &out)
            guard used > 0 else {
                resendNext = nil
                break
            }
            resendNext = next + used
            scoreboard.retransmitted(upTo: (next + used).rawValue)
            if rareState?.rack != nil { withRACK { $0.resent(next, next + used, at: now) } }
            sent = true
        }
        return sent
    }

    /// RFC 6675 §5 (C): while cwnd − pipe ≥ 1 SMSS, send what NextSeg() picks: a lost hole, new data, or any hole.
    mutating func sendDuringSACKRecovery(now: Instant, config: TCPConfiguration, out: inout EngineOutput) -> Bool {
        var sent = false
        while cc.cwnd - scoreboard.pipe >= sendMSS {
            let newData = canSendData && dataEnd > sndNxt && (sndUna + sndWnd) - sndNxt > 0
            switch scoreboard.nextSegment(newDataAvailable: newData) {
            case nil:
                return sent
            case .newData:
                guard sendNewSegment(cwndRoom: .max, now: now, config: config, out: &out) else { return sent }
            case .retransmit(let block):
                timedSegmentEnd = nil  // RFC 6298 §3 (Karn)
                let length = SeqNum(block.right) - SeqNum(block.left)
                guard sendSegment(at: SeqNum(block.left), maxLength: length, now: now, out: &out) > 0 else {
                    return sent
                }
            }
            sent = true
        }
        return sent
    }

    /// Emits already-sent sequence space again from `seq`: up to `maxLength` bytes of data, with the FIN when the
    /// segment reaches the end of the data and the FIN was sent. Returns the sequence space it covered.
    /// `segmentLimit`: the most one segment may carry (default the MSS; more with segment offload).
    mutating func sendSegment(
        at seq: SeqNum, maxLength: Int, segmentLimit: Int? = nil, now: Instant, out: inout EngineOutput
    ) -> Int {
        let offset = seq - sendBufferStart
        guard offset >= 0 else { return 0 }
        // Never past SND.NXT: bytes beyond it are unsent, and sending them here without advancing SND.NXT would
        // let the peer acknowledge "unsent" data, which RFC 5961 §5.2 (RFC 9293 §3.10.7.4) then refuses with
        // challenge ACKs; without a rate limit the two ends trade ACKs for ever.
        var length = max(0, min(maxLength, sendBuffer.count - offset, segmentLimit ?? currentMSS, sndNxt - seq))
        // MSG_EOR: a resent segment never joins two records either (Linux tcp_skb_can_collapse_to in
        // tcp_can_collapse / tcp_retrans_try_collapse).
        if let end = recordEnd(after: seq) { length = min(length, end - seq) }
        let withFin = finSent && seq + length == dataEnd
        guard length > 0 || withFin else { return 0 }
        // PSH as on the first transmission: on the piece that ends pushed data (a retransmitted head keeps none:
        // Linux tcp_fragment moves PSH to the tail; BSD tcp_output: off+len == sbused).
        var flags: TCPFlags = carriesPush(seq: seq, length: length) ? [.ack, .psh] : .ack
        if withFin { flags.insert(.fin) }
        emit(seq: seq, flags: flags, payload: sendBuffer.bytes(offset: offset, count: length), now: now, out: &out)
        return length + (withFin ? 1 : 0)
    }
}
