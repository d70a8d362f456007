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
