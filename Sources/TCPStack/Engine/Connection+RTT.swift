/// Round-trip timing for the retransmission timer: the `RTOEstimator` of RFC 6298 fed from RFC 7323 timestamps
/// when they are on, otherwise from one timed segment at a time under Karn's rule (RFC 6298 §3).
extension TCPConfiguration {
    /// The estimator's parameters. A minimum below 1 s is Linux's (`TCP_RTO_MIN`), applied as Linux does, to the
    /// variance term (`tcp_set_rto`); the RFC's 1 s clamps the whole RTO (RFC 6298 §2.4).
    var rtoParameters: RTOEstimator.Parameters {
        let linuxStyle = rtoMin < .seconds(1)
        return RTOEstimator.Parameters(
            initial: rtoInitial, minimum: rtoMin, maximum: rtoMax,
            granularity: linuxStyle ? .microseconds(1) : .milliseconds(1),
            minimumRule: linuxStyle ? .floorVarianceTerm : .clampTotal)
    }
}

extension Connection {
    /// The timed segment was the oldest in flight when it left, so every later ACK of new data acknowledges some of
    /// it first (Linux samples those: `rttFromPartialAcks`).
    var timedSegmentLeadsFlight: Bool {
        get { sendStateBits & 0x40 != 0 }
        set { sendStateBits = newValue ? sendStateBits | 0x40 : sendStateBits & ~0x40 }
    }

    /// Starts timing the segment ending at `end` unless one is already timed (RFC 6298 §3). `joiningFrom`: the
    /// segment's start, when a segment sent at the same instant right after a timed one that leads the flight joins
    /// it (`rttFromPartialAcks`): Linux stamps each skb with its send time (`skb_mstamp_ns`), so an ACK of any of
    /// that burst samples the burst's send time.
    mutating func timeSegment(endingAt end: SeqNum, leadsFlight: Bool = false, joiningFrom start: SeqNum? = nil,
        now: Instant)
    {
        if timedSegmentEnd == nil {
            timedSegmentEnd = end
            timedSegmentSentAt = now
            timedSegmentLeadsFlight = leadsFlight
        } else if let start, timedSegmentEnd == start, timedSegmentSentAt == now, timedSegmentLeadsFlight {
            timedSegmentEnd = end
        }
    }

    /// An ACK advanced SND.UNA to `ack`: one RTT sample, from TSecr when timestamps are on (RFC 7323 §4.1, valid
    /// across retransmissions), else from the timed segment if it was not retransmitted (Karn's rule).
    /// `partialAcks`: also when the ACK covers only part of the timed segment and that segment led the flight (Linux
    /// `tcp_clean_rtx_queue` takes a sample from the oldest acknowledged skb on every ACK, a partly acknowledged
    /// TSO skb included).
    mutating func sampleRTT(ack: SeqNum, echo: UInt32?, now: Instant, partialAcks: Bool = false) {
        var sample: Duration?
        if timestampsEnabled, let echo, echo != 0 {
            let ticks = Int32(bitPattern: timestampValue(now) &- echo)
            if ticks >= 0 { sample = .milliseconds(Int64(ticks)) }
        } else if let end = timedSegmentEnd, end <= ack || (partialAcks && timedSegmentLeadsFlight) {
            sample = now - timedSegmentSentAt
        }
        if let sample {
            rtt.addSample(sample)
            // RACK's minimum RTT (Linux tcp_update_rtt_min).
            if rareState?.rack != nil { withRACK { $0.noteRTT(sample.nanosecondsValue) } }
        }
        if let end = timedSegmentEnd, end <= ack { timedSegmentEnd = nil }
    }

    /// The retransmission timer fired: double the RTO (RFC 6298 §5.5) and stop timing the segment being resent.
    mutating func backOffRTO() {
        rtt.backOff()
        timedSegmentEnd = nil
    }
}
