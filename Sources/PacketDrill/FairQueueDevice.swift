import TCPStack
import TCPWire

/// The tun device with `tc qdisc ... root fq`: sch_fq holds each packet until the departure time TCP stamped on it
/// (`skb->tstamp`), which Linux TCP computes once fq is in place (`sk_pacing_status` SK_PACING_FQ), in
/// `__tcp_transmit_skb` and `tcp_update_skb_after_send`: a packet leaves at max(`tcp_wstamp_ns`, now); after the
/// first 10 data segments ("original sch_fq does not pace first 10 MSS") each data packet moves `tcp_wstamp_ns` on
/// by its length at the pacing rate, less up to half of that as credit for the time the flow lay idle. One flow:
/// packetdrill's connection.
struct FairQueueDevice: Sendable {
    /// `tp->tcp_wstamp_ns`, in microseconds of script time.
    var departureClock: Int64 = 0
    /// `tp->data_segs_out`.
    var dataSegmentsOut = 0

    /// When `packet`, sent by the stack at `now` (microseconds), leaves the device.
    mutating func departure(of packet: IPPacket, at now: Int64, stack: HostStack) -> Int64 {
        let prior = departureClock
        departureClock = max(departureClock, now)
        let departure = departureClock
        let length = packet.tcp.payload.count
        guard length > 0 else { return departure }
        let mss = max(1, stack.sendMSS(of: packet) ?? length)
        dataSegmentsOut += (length + mss - 1) / mss
        guard dataSegmentsOut >= 10, let rate = stack.pacingRate(of: packet), rate > 0 else { return departure }
        var spacing = Int64(length) * 1_000_000 / Int64(rate)
        spacing -= min(spacing / 2, departureClock - prior)
        departureClock += spacing
        return departure
    }
}
