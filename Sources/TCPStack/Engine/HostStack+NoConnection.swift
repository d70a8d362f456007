import TCPWire

/// CLOSED (RFC 9293 §3.10.7.1): a segment for no connection, and the reset sent in answer to a packet.
extension HostStack {
    /// RFC 9293 §3.10.7.1: no connection: reset, unless the segment is a reset.
    mutating func resetForNoConnection(_ packet: IPPacket) {
        let seg = packet.tcp
        // RFC 9293 §3.10.7.1: an incoming RST is discarded.
        if seg.flags.contains(.rst) { return }
        if seg.flags.contains(.ack) {
            // RFC 9293 §3.10.7.1: ACK on: <SEQ=SEG.ACK><CTL=RST>.
            sendReset(to: packet, seq: seg.acknowledgmentNumber, ack: nil)
        } else {
            // RFC 9293 §3.10.7.1: ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (Linux tcp_v4_send_reset).
            sendReset(to: packet, seq: 0, ack: seg.sequenceNumber &+ UInt32(seg.sequenceLength))
        }
    }

    /// A reset in answer to `packet`, from its destination to its source, window 0, no options.
    mutating func sendReset(to packet: IPPacket, seq: UInt32, ack: UInt32?) {
        let tcp = TCPSegment(
            sourcePort: packet.tcp.destinationPort, destinationPort: packet.tcp.sourcePort, sequenceNumber: seq,
            acknowledgmentNumber: ack ?? 0, flags: ack == nil ? .rst : .rstAck, window: 0)
        out.packets.append(IPPacket(from: packet.ip.destination, to: packet.ip.source, tcp: tcp))
    }
}
