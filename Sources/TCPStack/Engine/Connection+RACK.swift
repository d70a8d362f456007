import TCPWire

/// Linux's SACK loss recovery (`TCPConfiguration.rackLossDetection`): RACK marks segments lost (RFC 8985 §6,
/// Linux tcp_recovery.c), recovery begins once one is (Linux `tcp_fastretrans_alert`, `tcp_time_to_recover`),
/// PRR sets cwnd on each ACK (RFC 6937, Linux `tcp_cwnd_reduction`), and lost segments are resent before new
/// data (Linux `tcp_xmit_retransmit_queue`). The state lives in `RACKState` (RareState).
extension Connection {
    /// RACK runs on this connection.
    func rackRuns(_ config: TCPConfiguration) -> Bool { config.rackLossDetection && sackEnabled }

    /// Segments the SACKed ranges hold (Linux `sacked_out`).
    var sackedSegments: Int {
        let mss = max(1, sendMSS)
        return scoreboard.sackedBlocks.reduce(0) { $0 + (SeqNum($1.right) - SeqNum($1.left) + mss - 1) / mss }
    }

    /// New data from `start` left at `now` (RFC 8985 §6.1 needs each segment's sending time). A flight sent at one
    /// instant needs no record, so an idle or request-response connection keeps no state: its first segment is
    /// the timed one (RFC 6298 §3), and `flightSentAt` (the timed segment's sending before this burst) is that
    /// instant. The state is made once a second instant joins a flight.
    mutating func noteBurst(from start: SeqNum, hadFlight: Bool, flightSentAt: Instant, now: Instant) {
        if rareState?.rack == nil {
            guard hadFlight else { return }
            startRACK(flightSentAt: flightSentAt)
        }
        withRACK { $0.sent(from: start, at: now) }
    }

    /// Makes the RACK state for a flight sent at one instant, `flightSentAt`.
    mutating func startRACK(flightSentAt: Instant) {
        let una = sndUna
        withRACK { $0.sent(from: una, at: flightSentAt) }
    }

    /// Data bytes in flight (the FIN's octet is no segment).
    private var dataFlight: Int { flightSize - (finSent && sndNxt != sndUna ? 1 : 0) }

    /// An acceptable ACK on a RACK connection. `priorSacked`: the SACKed ranges before it; `sackInfo`: it carried
    /// SACK blocks.
    mutating func rackAckArrives(
        ack: SeqNum, previousUna: SeqNum, priorSacked: [SACKBlock], newlyAcked: Int, sackInfo: Bool,
        now: Instant, config: TCPConfiguration
    ) {
        let una = sndUna
        let sacked = scoreboard.sackedBytes > 0 ? scoreboard.sackedBlocks : []
        let lostBefore = rack?.lost.isEmpty == false
        // Linux tcp_ack_is_dubious: only SACK information, a loss or recovery need more than cwnd growth.
        guard sackInfo || !priorSacked.isEmpty || cc.inFastRecovery || lostBefore else {
            withRACK { $0.forget(below: una) }
            if newlyAcked > 0 { growWindow(newlyAcked: newlyAcked, now: now, config: config) }
            return
        }
        // An ACK that moves SND.UNA rearms the retransmission timer (tcp_set_xmit_timer), ending a reordering wait.
        if newlyAcked > 0 { withRACK { $0.reorderTimerArmed = false } }
        let delivered = withRACK {
            $0.ackArrives(previousUna: previousUna, una: una, priorSacked: priorSacked, sacked: sacked, now: now)
        }.segments
        let inLoss = resendNext != nil || (!cc.inFastRecovery && cc.window.recover.map { SeqNum($0) > sndUna } == true)
        if inLoss {
            // After a timeout (Linux CA_Loss until `recover` is acknowledged) the flight is resent in order
            // (Connection+Congestion.swift): no fast recovery, cwnd only grows.
            if newlyAcked > 0 { growWindow(newlyAcked: newlyAcked, now: now, config: config) }
            return
        }
        // Recovery ends when `recover` is acknowledged: cwnd = ssthresh (tcp_end_cwnd_reduction).
        if cc.inFastRecovery, let recover = cc.window.recover, SeqNum(recover) <= sndUna {
            cc.window.cwnd = cc.window.ssthresh
            cc.window.inFastRecovery = false
        }
        var newlyLost = 0
        if rack?.advanced == true { newlyLost = rackDetectLoss(now: now) }
        if !cc.inFastRecovery && rack?.lost.isEmpty == false { enterRACKRecovery(now: now) }
        guard ack >= previousUna else { return }  // an old ACK: SACK only, cwnd untouched (tcp_ack old_ack)
        if cc.inFastRecovery {
            reduceWindow(delivered: delivered, newlyLost: newlyLost, unaAdvanced: newlyAcked > 0)
        } else if newlyAcked > 0 {
            growWindow(newlyAcked: newlyAcked, now: now, config: config)
        }
    }

    /// RFC 5681 §3.1 growth outside recovery (Linux tcp_cong_avoid on FLAG_DATA_ACKED).
    private mutating func growWindow(newlyAcked: Int, now: Instant, config: TCPConfiguration) {
        var sample = AckSample(
            ack: sndUna.rawValue, newlyAcked: newlyAcked, isDuplicate: false, flightSize: flightSize,
            sndNxt: sndNxt.rawValue, now: now, smoothedRTT: rtt.smoothedRTT)
        sample.slowStartCountsEveryAckedByte = config.slowStartCountsEveryAckedByte
        _ = cc.ackReceived(sample)
    }

    /// Linux `tcp_rack_mark_lost`: marks what RACK deems lost and arms the reordering timer for what may still be
    /// reordered (`timeout + TCP_TIMEOUT_MIN_US` in whole jiffies, HZ 1000). Returns the segments newly lost.
    private mutating func rackDetectLoss(now: Instant) -> Int {
        let window = rack?.reorderWindow(
            inRecovery: cc.inFastRecovery, sackedSegments: sackedSegments, smoothedRTT: rtt.smoothedRTT) ?? 0
        let (una, nxt, sacked) = (sndUna, sndNxt, scoreboard.sackedBlocks)
        let (newlyLost, remaining) = withRACK {
            $0.detectLoss(una: una, sndNxt: nxt, sacked: sacked, reorderWindow: window, now: now)
        }
        if let remaining {
            let ms = (remaining + 2_000_000 + 999_999) / 1_000_000
            retransmitDeadline = Instant(nanoseconds: now.nanoseconds + ms * 1_000_000)
            lossProbeArmed = false
            withRACK { $0.reorderTimerArmed = true }
        }
        return newlyLost
    }

    /// Linux `tcp_enter_recovery` -> `tcp_init_cwnd_reduction`: ssthresh from the algorithm, `recover` =
    /// SND.NXT, PRR starts counting.
    private mutating func enterRACKRecovery(now: Instant) {
        let cwndSegments = cc.window.cwnd / max(1, sendMSS)
        let ssthresh = cc.ssthreshAfterLoss(flightSize: flightSize, now: now)
        cc.window.recover = sndNxt.rawValue
        cc.window.ssthresh = ssthresh
        cc.window.inFastRecovery = true
        cc.window.partialAckSeen = false
        cc.window.duplicateAcks = 0
        ecnLossReducedWindow()
        withRACK { $0.startReduction(cwnd: cwndSegments) }
    }

    /// PRR's cwnd for this ACK (Linux `tcp_cwnd_reduction`).
    private mutating func reduceWindow(delivered: Int, newlyLost: Int, unaAdvanced: Bool) {
        let mss = max(1, sendMSS)
        let (flight, sackedCount, ssthresh) = (dataFlight, sackedSegments, cc.window.ssthresh / mss)
        let window = withRACK { r in
            r.reducedWindow(
                delivered: delivered, newlyLost: newlyLost, unaAdvanced: unaAdvanced,
                inFlight: r.inFlight(flight: flight, sackedSegments: sackedCount), ssthresh: ssthresh)
        }
        if let window { cc.window.cwnd = window * mss }
    }

    /// The reordering timer fired (Linux `tcp_rack_reo_timeout`): mark what is now lost; if anything is, enter
    /// recovery (PRR for one delivered segment) and resend; then the RTO runs again from the head's sending.
    mutating func reorderTimerFires(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        withRACK { $0.reorderTimerArmed = false }
        retransmitDeadline = nil
        let newlyLost = rackDetectLoss(now: now)
        if reorderTimerArmed {
            // tcp_rack_reo_timeout does not wait again: the RTO takes over.
            withRACK { $0.reorderTimerArmed = false }
            retransmitDeadline = nil
        }
        if newlyLost > 0 {
            if !cc.inFastRecovery {
                enterRACKRecovery(now: now)
                reduceWindow(delivered: 1, newlyLost: newlyLost, unaAdvanced: false)
            }
            transmit(now: now, config: config, out: &out)
        }
        // tcp_rearm_rto: the RTO counts from the head's (re)sending.
        if sndUna != sndNxt {
            let sentAt = rack?.sendTime(of: sndUna) ?? now
            retransmitDeadline = max(sentAt + rto, Instant(nanoseconds: now.nanoseconds + 1000))
        } else {
            retransmitDeadline = nil
        }
    }

    /// RFC 6937 / Linux recovery sending: while in-flight segments are below cwnd, resend the first lost range
    /// not yet resent (as many segments as cwnd allows in one offloaded segment), else new data.
    mutating func sendDuringRACKRecovery(now: Instant, config: TCPConfiguration, out: inout EngineOutput) -> Bool {
        let mss = max(1, sendMSS)
        var sent = false
        while let r = rack {
            let room = cc.cwnd / mss - r.inFlight(flight: dataFlight, sackedSegments: sackedSegments)
            guard room > 0 else { break }
            if let hole = r.nextLostToResend() {
                let limit = config.segmentOffloadBytes > mss
                    ? max(mss, min(config.segmentOffloadBytes / mss, room) * mss) : mss
                timedSegmentEnd = nil  // RFC 6298 §3 (Karn)
                let used = sendSegment(
                    at: hole.start, maxLength: min(hole.end - hole.start, limit), segmentLimit: limit, now: now,
                    out: &out)
                guard used > 0 else { break }
                let end = SeqNum.earlier(hole.start + used, hole.end)
                withRACK {
                    $0.resent(hole.start, end, at: now)
                    $0.prrOut += $0.segments(end - hole.start)
                }
            } else {
                let before = sndNxt
                guard canSendData, sendNewSegment(cwndRoom: room * mss, now: now, config: config, out: &out) else {
                    break
                }
                let count = r.segments(sndNxt - before)
                withRACK { $0.prrOut += count }
            }
            sent = true
        }
        return sent
    }
}
