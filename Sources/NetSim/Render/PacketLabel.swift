import TCPWire

/// A short label for a packet in the ladder diagram: tcpdump's flag letters and absolute numbers.
enum PacketLabel {
    static func flags(_ f: TCPFlags) -> String {
        var s = ""
        if f.contains(.syn) { s += "S" }
        if f.contains(.fin) { s += "F" }
        if f.contains(.rst) { s += "R" }
        if f.contains(.psh) { s += "P" }
        if f.contains(.urg) { s += "U" }
        if f.contains(.ece) { s += "E" }
        if f.contains(.cwr) { s += "W" }
        if f.contains(.ack) { s += "." }
        return s.isEmpty ? "none" : s
    }

    static func short(_ tcp: TCPSegment) -> String {
        var s = "[\(flags(tcp.flags))]"
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
