#if canImport(Glibc)
import Glibc
#endif
import SelfConnectGuard

/// Turns captured packets into text lines.
///
/// Until TCPWire's tcpdump printer lands, this prints the header fields a reader needs to follow the handshake
/// (time, addresses, flags, seq, ack, window, length) in tcpdump's layout, without TCP options.
public enum CaptureText {
    public static func lines(for packets: [CapturedPacket]) -> [String] {
        packets.compactMap(line)
    }

    static func line(_ packet: CapturedPacket) -> String? {
        let b = packet.bytes
        guard let first = b.first else { return nil }
        let version = first >> 4
        let headerLength: Int, payloadEnd: Int, label: String, src: SocketIP, dst: SocketIP
        if version == 4, b.count >= 20 {
            headerLength = Int(first & 0x0f) * 4
            payloadEnd = min(b.count, Int(be16(b, 2)))
            (label, src, dst) = ("IP", .v4(be32(b, 12)), .v4(be32(b, 16)))
        } else if version == 6, b.count >= 40 {
            headerLength = 40
            payloadEnd = min(b.count, 40 + Int(be16(b, 4)))
            (label, src, dst) = ("IP6", SocketIP(ipv6Bytes: b[8..<24]), SocketIP(ipv6Bytes: b[24..<40]))
        } else {
            return nil
        }
        let t = headerLength
        guard b.count >= t + 20 else { return nil }
        let dataOffset = Int(b[t + 12] >> 4) * 4
        let length = max(0, payloadEnd - t - dataOffset)
        let flags = b[t + 13]
        let seq = be32(b, t + 4), ack = be32(b, t + 8), window = be16(b, t + 14)
        var text = "\(clock(packet)) \(label) \(src).\(be16(b, t)) > \(dst).\(be16(b, t + 2)): Flags [\(flagText(flags))]"
        if flags & 0x02 != 0 || flags & 0x01 != 0 || length > 0 {
            text += length > 0 ? ", seq \(seq):\(seq &+ UInt32(length))" : ", seq \(seq)"
        }
        if flags & 0x10 != 0 { text += ", ack \(ack)" }
        return text + ", win \(window), length \(length)"
    }

    static func flagText(_ flags: UInt8) -> String {
        var s = ""
        for (bit, letter) in [(0x02, "S"), (0x01, "F"), (0x08, "P"), (0x04, "R"), (0x20, "U")] where Int(flags) & bit != 0 {
            s += letter
        }
        if flags & 0x10 != 0 { s += "." }
        return s.isEmpty ? "none" : s
    }

    static func clock(_ packet: CapturedPacket) -> String {
        var seconds = time_t(packet.seconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let micros = String(packet.microseconds)
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(String(repeating: "0", count: 6 - micros.count))\(micros)"
    }

    private static func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
    private static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
