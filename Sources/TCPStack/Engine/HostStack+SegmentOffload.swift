import TCPWire

/// What a driver with TCP segmentation offload needs to know about the segments it hands to the link.
extension HostStack {
    /// The MSS of the connection that sent `packet` (nil when no connection owns its 4-tuple any more): the size
    /// a segmentation offload cuts a segment larger than it into, when `segmentOffloadBytes` allows such segments,
    /// less the packet's SACK option.
    public func sendMSS(of packet: IPPacket) -> Int? {
        guard !connections.isEmpty,
              let i = connections.index(of: FourTuple(local: packet.source, remote: packet.destination), in: slots)
        else { return nil }
        // Each piece repeats the packet's options: less room beside SACK blocks (Linux tcp_current_mss).
        let usual = slots[i].timestampsEnabled ? 12 : 0
        return max(1, slots[i].sendMSS - max(0, packet.tcp.options.paddedCount - usual))
    }
}

extension HostStack {
    /// The pacing rate in bytes per second of the connection that sent `packet` (Linux `sk_pacing_rate` as
    /// `tcp_update_pacing_rate` sets it), for a queue that paces by it; nil without a connection or an RTT sample.
    public func pacingRate(of packet: IPPacket) -> Int? {
        guard !connections.isEmpty,
              let i = connections.index(of: FourTuple(local: packet.source, remote: packet.destination), in: slots)
        else { return nil }
        return slots[i].pacingRate(mss: slots[i].sendMSS, config: configuration)
    }
}
