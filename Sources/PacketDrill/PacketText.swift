import TCPWire

/// Segments and packet lines written the way packetdrill scripts write them.
enum PacketText {
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
        return s.isEmpty ? "-" : s
    }

    static func option(_ o: TCPOption) -> String {
        switch o {
        case .endOfList: "eol"
        case .noOperation: "nop"
        case .maxSegmentSize(let v): "mss \(v)"
        case .windowScale(let v): "wscale \(v)"
        case .sackPermitted: "sackOK"
        case .sack(let blocks): "sack " + blocks.map { "\($0.left):\($0.right)" }.joined(separator: " ")
        case .timestamps(let value, let echo): "TS val \(value) ecr \(echo)"
        case .unknown(let kind, let data): "kind \(kind) len \(data.count + 2)"
        }
    }

    static func options(_ list: [TCPOption]) -> String { "<" + list.map(option).joined(separator: ",") + ">" }

    /// An outbound segment in script terms: sequence numbers relative to `isn`, the rest literal.
    static func outbound(_ s: TCPSegment, isn: UInt32) -> String {
        let seq = s.sequenceNumber &- isn
        var text = "> \(flags(s.flags)) \(seq):\(seq &+ UInt32(s.payload.count))(\(s.payload.count))"
        if s.flags.contains(.ack) { text += " ack \(s.acknowledgmentNumber)" }
        text += " win \(s.window)"
        if s.flags.contains(.urg) { text += " urg \(s.urgentPointer)" }
        let list = trimmedOptions(s.options)
        if !list.isEmpty { text += " " + options(list) }
        return text
    }

    /// The options without the zero padding a parsed header carries after its last option.
    static func trimmedOptions(_ o: TCPOptions) -> [TCPOption] {
        var list = Array(o)
        while list.last == .endOfList { list.removeLast() }
        return list
    }

    static func spec(_ p: PacketSpec) -> String {
        var text = "\(p.direction == .inbound ? "<" : ">") \(p.flagsText) \(p.sequenceStart):\(p.sequenceEnd)(\(p.payloadLength))"
        if let ack = p.ack { text += " ack \(ack)" }
        if let win = p.window { text += " win \(win)" }
        if let urg = p.urgentPointer { text += " urg \(urg)" }
        switch p.options {
        case .none: break
        case .any: text += " <...>"
        case .list(let list): text += " " + options(list)
        }
        return text
    }
}
