/// The persist timer in the engine (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17): `PersistTimer` keeps the schedule,
/// this decides when it runs and what a probe looks like.
extension Connection {
    /// Arms the timer when data waits, the window leaves no room for it and no retransmission timer runs (nothing
    /// in flight but a probe octet; Linux `tcp_check_probe_timer`); stops it otherwise. Called after each output.
    mutating func updatePersistTimer(now: Instant, config: TCPConfiguration) {
        let waiting = sendBuffer.count > sndNxt - sendBufferStart || sndNxt != sndUna
        // Linux also probes a window too small for the next whole segment (tcp_snd_wnd_test failed).
        let windowClosed = (sndUna + sndWnd) - sndNxt <= 0
            || (config.sendWholeSegmentsInWindow && receiveWindowBlocksNext(config: config))
        // Linux tcp_check_probe_timer also runs it whenever data waits with nothing in flight: corked data, or
        // tcp_write_xmit returned with the queue unsent (the window, or an interface queue that dropped it).
        let stalled = (config.linuxSendMarks || config.zeroWindowProbe == .ackBelowWindow) && sndNxt == sndUna
            && unsentBytes > 0
        if waiting, windowClosed || stalled, retransmitDeadline == nil, state.isSynchronized, !finSent {
            // RFC 9293 §3.8.6.1: probe a zero window after one RTO (Linux tcp_probe0_base: the current RTO).
            persist.maximum = config.rtoMax
            persist.maxUnansweredProbes = config.zeroWindowProbe == .ackBelowWindow ? config.dataRetries : nil
            persist.start(rto: rto, at: now)
        } else if persist.deadline != nil {
            // RFC 9293 §3.8.6.1: the window opened (or nothing waits): stop probing and forget the backoff.
            persist.stop()
        }
    }

    /// Sends one zero-window probe (the timer has already been rescheduled); false when the interface's queue
    /// dropped it.
    @discardableResult
    mutating func sendWindowProbe(now: Instant, config: TCPConfiguration, out: inout EngineOutput) -> Bool {
        switch config.zeroWindowProbe {
        case .ackBelowWindow:
            if let sent = sendHeldData(now: now, out: &out) { return sent }
            // Linux tcp_xmit_probe_skb: <SEQ=SND.UNA-1><CTL=ACK>, an old sequence number the peer must ACK.
            return emit(seq: sndUna - 1, flags: .ack, now: now, out: &out)
        case .oneOctet:
            // RFC 9293 §3.8.6.1: one octet of data beyond the window; resent at SND.UNA until it is acknowledged.
            let start = sndNxt == sndUna ? sndNxt : sndUna
            let offset = start - sendBufferStart
            guard offset >= 0, offset < sendBuffer.count else { return true }
            guard emit(seq: start, flags: [.ack, .psh], payload: sendBuffer.bytes(offset: offset, count: 1), now: now, out: &out) else {
                return false
            }
            if start == sndNxt { sndNxt += 1 }
            return true
        }
    }

    /// Linux `tcp_write_wakeup` with the window open: the probe timer sends the head of the unsent data, up to an
    /// MSS and what the window takes, with PSH, then the retransmission timer takes over (`tcp_send_probe0` stops
    /// probing). Nil when the window leaves no room; false when the interface's queue dropped it.
    private mutating func sendHeldData(now: Instant, out: inout EngineOutput) -> Bool? {
        let usable = (sndUna + sndWnd) - sndNxt
        let offset = sndNxt - sendBufferStart
        var length = min(unsentBytes, currentMSS, usable)
        if let end = recordEnd(after: sndNxt) { length = min(length, end - sndNxt) }
        guard length > 0, canSendData else { return nil }
        let payload = sendBuffer.bytes(offset: offset, count: length)
        guard emit(seq: sndNxt, flags: [.ack, .psh], payload: payload, now: now, out: &out) else { return false }
        sndNxt += length
        scoreboard.dataSent(upTo: sndNxt.rawValue)
        if length % currentMSS != 0 { smallSegmentEnd = sndNxt }
        timeSegment(endingAt: sndNxt, now: now)
        // The whole segment is marked PSH before it is cut (tcp_write_wakeup), so what is left of it stays pushed.
        if rareState != nil { sendMarks.tailUnpushed = false; sendMarks.pushedSeq = SeqNum(0) }
        persist.stop()
        if retransmitDeadline == nil { retransmitDeadline = now + rto }
        return true
    }
}
