import TCPWire

extension ScriptRunner {
    /// The IP ECN codepoints a script's `[ect0]`-style note allows (packetdrill `ecn_str`); empty: no note, no check.
    static func ecnCodepoints(_ note: String?) -> [ECNCodepoint] {
        switch note {
        case "noecn": [.notECT]
        case "ect0": [.ect0]
        case "ect1": [.ect1]
        case "ect01": [.ect0, .ect1]
        case "ce": [.ce]
        default: []
        }
    }

    /// The outbound packet's IP ECN field against the script's note, if it has one.
    func ecnMismatch(_ spec: PacketSpec, _ packet: IPPacket) -> String? {
        let allowed = Self.ecnCodepoints(spec.ecn)
        guard !allowed.isEmpty, !allowed.contains(packet.ecn) else { return nil }
        return "IP ECN field \(packet.ecn), expected \(spec.ecn ?? "")"
    }
}
