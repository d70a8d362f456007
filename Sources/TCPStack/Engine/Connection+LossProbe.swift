import TCPWire

/// Tail loss probes (RFC 8985 §7, Linux net/ipv4/tcp_output.c `tcp_schedule_loss_probe`, `tcp_send_loss_probe`,
/// tcp_input.c `tcp_process_tlp_ack`): the retransmission timer is armed earlier, at the probe timeout, and its
/// expiry sends one probe instead of a timeout retransmission; the RTO then runs again from the probe.
extension Connection {
    /// The retransmission timer is armed as a loss probe (Linux `icsk_pending == ICSK_TIME_LOSS_PROBE`).
    var lossProbeArmed: Bool {
        get { sendStateBits & 0x80 != 0 }
        set { sendStateBits = newValue ? sendStateBits | 0x80 : sendStateBits & ~0x80 }
    }

    /// Re-arms the retransmission timer as a probe when RFC 8985 §7.2 allows one: SACK, data in flight, no loss
    /// recovery (Linux: CA state Open or CWR), no probe outstanding. `advancing`: an ACK moved SND.UNA, so the RTO
    /// would run a whole RTO from now; otherwise it keeps its deadline.
    mutating func scheduleLossProbe(advancing: Bool, now: Instant, config: TCPConfiguration) {
        let wasProbe = lossProbeArmed
        lossProbeArmed = false
        guard config.tailLossProbe, sackEnabled, sndNxt != sndUna, state.isSynchronized, !cc.inFastRecovery,
            resendNext == nil, retransmitCount == 0, lossProbeHighSeq == nil, !reorderTimerArmed
        else { return }
        // PTO = 2·SRTT, plus the minimum RTO for a lone segment (its ACK may be delayed) or 2 ms (TCP_TIMEOUT_MIN);
        // 1 s without an RTT sample; never later than the RTO would fire.
        // In nanoseconds: this runs after every transmission.
        let ptoNs: Int64
        if let srtt = rtt.smoothedRTT?.nanosecondsValue {
            ptoNs = 2 * srtt + (flightSize <= sendMSS ? config.rtoMin.nanosecondsValue : 2_000_000)
        } else {
            ptoNs = 1_000_000_000
        }
        let rtoDue = advancing || wasProbe ? now + rto : (retransmitDeadline ?? now + rto)
        let due = min(Instant(nanoseconds: now.nanoseconds + ptoNs), rtoDue)
        retransmitDeadline = due
        lossProbeArmed = true
    }

    /// The probe timer fired (Linux `tcp_send_loss_probe`): new data if the window takes a segment, else the last
    /// segment of the flight again; then the RTO runs from now, not backed off.
    mutating func sendLossProbe(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        lossProbeArmed = false
        var probed = false
        if canSendData, unsentBytes > 0, !receiveWindowBlocksNext(config: config) {
            let (start, flightSentAt) = (sndNxt, timedSegmentSentAt)
            probed = sendNewSegment(cwndRoom: .max, now: now, config: config, out: &out)
            if probed && rackRuns(config) {
                noteBurst(from: start, hadFlight: true, flightSentAt: flightSentAt, now: now)
            }
            if probed { lossProbeHighSeq = nil }  // new data: nothing to judge later (Linux tlp_retrans = 0)
        }
        if !probed {
            let dataFlightEnd = finSent ? sndNxt - 1 : sndNxt
            let start = dataFlightEnd + (-min(sendMSS, max(0, dataFlightEnd - sndUna)))
            timedSegmentEnd = nil  // RFC 6298 §3 (Karn)
            if sendSegment(at: start, maxLength: sendMSS, now: now, out: &out) > 0 {
                lossProbeHighSeq = sndNxt.rawValue
            }
        }
        retransmitDeadline = now + rto
    }

    /// The probe timer after an acceptable ACK (Linux `tcp_process_tlp_ack`, then `tcp_set_xmit_timer`).
    mutating func lossProbeAfterAck(_ seg: TCPSegment, previousUna: SeqNum, now: Instant, config: TCPConfiguration) {
        let ack = SeqNum(seg.acknowledgmentNumber)
        if lossProbeHighSeq != nil {
            let blocks = seg.options.sackBlocks
            // RFC 2883 §4: a first block below the ACK or inside the second reports a duplicate.
            let dsack = blocks.first.map { first in
                SeqNum(first.right) <= ack
                    || (blocks.count > 1 && SeqNum(blocks[1].left) <= SeqNum(first.left)
                        && SeqNum(first.right) <= SeqNum(blocks[1].right))
            } ?? false
            lossProbeAckArrives(ack: ack, dsack: dsack, advanced: sndUna > previousUna, now: now)
        }
        if reorderTimerArmed {
            // RACK's reordering timer holds the timer (Linux tcp_rack_mark_lost clears FLAG_SET_XMIT_TIMER).
        } else if sndUna > previousUna {
            scheduleLossProbe(advancing: true, now: now, config: config)
        } else if lossProbeArmed && (cc.inFastRecovery || resendNext != nil) {
            // Recovery began: the timer is an RTO again.
            lossProbeArmed = false
            retransmitDeadline = now + rto
        }
    }

    /// An ACK after a retransmitted probe (Linux `tcp_process_tlp_ack`): past the probe's SND.NXT without a D-SACK,
    /// the probe repaired a loss and cwnd is reduced once (as entering and ending CWR); a D-SACK or a pure
    /// duplicate ACK says both copies arrived.
    mutating func lossProbeAckArrives(ack: SeqNum, dsack: Bool, advanced: Bool, now: Instant) {
        guard let high = lossProbeHighSeq.map(SeqNum.init) else { return }
        if ack < high { return }
        if dsack {
            lossProbeHighSeq = nil
        } else if ack > high {
            let ssthresh = cc.ssthreshAfterLoss(flightSize: flightSize, now: now)
            cc.window.ssthresh = ssthresh
            cc.window.cwnd = ssthresh
            lossProbeHighSeq = nil
        } else if !advanced {
            lossProbeHighSeq = nil
        }
    }
}
