import TCPWire

/// The receiver's work: text in the window is queued, in order to the receive ring and out of order to the
/// reassembly queue (RFC 9293 §3.10.7.4 seventh), and old duplicates are remembered for a D-SACK (RFC 2883). The
/// sequence variables are the receive part's (ReceiveSequence.swift); `SegmentArrives.swift` decides when.
extension Connection {
    /// Queues the text of `seg`, whose state accepts text (ESTABLISHED, FIN-WAIT-1/2) and which is not entirely
    /// old. Returns how urgently it must be acknowledged.
    mutating func queueText(
        _ seg: TCPSegment, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) -> AckUrgency {
        let seq = SeqNum(seg.sequenceNumber)
        let dataStart = seq + (seg.flags.contains(.syn) ? 1 : 0)
        // RFC 9293 §3.10.7.4: data inside the window we advertised is acceptable. The window field rounds up
        // to the scale unit (Linux __tcp_select_window), so it may promise a few bytes past our capacity: take
        // them (one unit of slack, as Linux's buffer overhead allows), or the sender must retransmit after an RTO.
        // Out-of-order bytes wait in the reassembly queue, which never holds a byte twice and reports duplicates
        // as D-SACK (RFC 2883 §4; Linux tcp_data_queue / tcp_data_queue_ofo).
        let slack = 1 << Int(rcvWscale)
        let room = max(0, min(max(receiveCapacity - receiveBuffer.count, receiveWindow),
            receiveCapacity + slack - receiveBuffer.count))
        let fits = max(0, (rcvNxt + room) - dataStart)
        guard fits > 0 else {
            // Beyond the window: ACK at once (RFC 9293 §3.10.7.4; Linux tcp_data_queue out_of_window).
            enterQuickAckMode()
            return .now
        }
        var take = min(fits, seg.payload.count)
        if take < seg.payload.count && config.wholeSegmentsOnEmptyQueue {
            // Linux >= 6.17 tcp_sequence: a segment that starts in the window but ends beyond it is taken whole
            // while the receive queue is empty (tcp_data_queue never trims), and dropped whole otherwise.
            guard receiveBuffer.isEmpty else {
                enterQuickAckMode()
                return .now
            }
            take = seg.payload.count
        }
        reassembly.advance(to: rcvNxt.rawValue)
        reassembly.reportsDSACK = config.dsack
        let payload = seg.payload.extracting(0..<take)
        let inOrder = dataStart <= rcvNxt
        let outcome = reassembly.receive(seq: dataStart.rawValue, payload: payload) { bytes in
            receiveBuffer.append(bytes)
        }
        if outcome.delivered > 0 {
            rcvNxt += outcome.delivered
            out.events.append(.readable(id))
        }
        if inOrder && outcome.delivered > 0 {
            let headerLength = 20 + seg.options.count
            let packetBytes = payload.count + headerLength + (local?.address.isIPv6 == true ? 40 : 20)
            if config.linuxReceiveWindow {
                linuxMeasureScalingRatio(payload: payload.count, packetBytes: packetBytes, config: config)
            }
            noteDataReceived(length: payload.count, headerLength: headerLength, flags: seg.flags, now: now)
            if config.linuxReceiveWindow { linuxGrowWindow(payload: payload.count, packetBytes: packetBytes, config: config) }
        }
        // RFC 5681 §4.2: out-of-order data, and data that fills a hole, are ACKed at once (Linux: the ofo queue
        // non-empty in __tcp_ack_snd_check; ICSK_ACK_NOW when tcp_ofo_queue empties it).
        if outcome.outOfOrder || outcome.filledHole || !inOrder || outcome.delivered == 0 { return .now }
        return .delayed
    }

    /// Holds the text of a SYN that arrived in SYN-SENT until ESTABLISHED, unacknowledged, one past IRS (FreeBSD
    /// tcp_reass in SYN-RECEIVED): the SYN byte stays a gap below it.
    mutating func holdSynText(_ payload: Payload) {
        reassembly.advance(to: irs.rawValue)
        _ = reassembly.receive(seq: (irs + 1).rawValue, payload: payload) { _ in }
    }

    /// Text held since the SYN is now in order (FreeBSD tcp_reass flush on ESTABLISHED): deliver it.
    mutating func deliverHeldText(out: inout EngineOutput) {
        reassembly.advance(to: rcvNxt.rawValue)
        let delivered = reassembly.deliverInOrder { receiveBuffer.append($0) }
        if delivered > 0 {
            rcvNxt += delivered
            out.events.append(.readable(id))
        }
    }

    /// Remembers an old duplicate for the next ACK as a D-SACK block (RFC 2883; Linux tcp_dsack_set).
    mutating func noteDuplicate(_ seg: TCPSegment, config: TCPConfiguration) {
        let seq = SeqNum(seg.sequenceNumber)
        let length = seg.sequenceLength
        guard config.dsack, sackEnabled, length > 0, seq < rcvNxt else { return }
        var end = seq + length
        if end > rcvNxt { end = rcvNxt }
        reassembly.noteDuplicate(SACKBlock(left: seq.rawValue, right: end.rawValue))
    }
}
