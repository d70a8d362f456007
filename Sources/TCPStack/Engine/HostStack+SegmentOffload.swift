import TCPWire

/// What a driver with TCP segmentation offload needs to know about the segments it hands to the link.
extension HostStack {
    /// The MSS of the connection that sent `packet` (nil when no connection owns its 4-tuple any more): the size
    /// a segmentation offload cuts a segment larger than it into, when `segmentOffloadBytes` allows such segments.
    public func sendMSS(of packet: IPPacket) -> Int? {
        guard !connections.isEmpty,
              let i = connections.index(of: FourTuple(local: packet.source, remote: packet.destination), in: slots)
        else { return nil }
        return slots[i].sendMSS
    }
}
