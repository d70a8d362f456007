import TCPWire

/// A short label for a packet in the ladder diagram: tcpdump's flag letters and absolute numbers.
enum PacketLabel {
    static func short(_ tcp: TCPSegment) -> String {
        var s = "[\(tcp.flags.tcpdumpLetters)]"
        if tcp.sequenceLength > 0 || !tcp.flags.contains(.ack) || tcp.flags.contains(.rst) {
            s += " seq \(tcp.sequenceNumber)"
        }
        if tcp.flags.contains(.ack) { s += " ack \(tcp.acknowledgmentNumber)" }
        let sack = tcp.options.sackBlocks
        if !sack.isEmpty {
            s += " sack " + sack.map { "{\($0.left):\($0.right)}" }.joined(separator: " ")
        }
        if !tcp.payload.isEmpty { s += " len \(tcp.payload.count)" }
        return s
    }
}
