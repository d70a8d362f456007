/// What the printer does with frames that are not one well-formed TCP packet: trim link padding,
/// restore snap-length cuts, and print tcpdump's lines for impossible TCP headers.
extension TcpdumpPrinter {
    /// Drops link-layer padding after the IP packet (Ethernet pads short frames), and restores the
    /// length of a packet cut by the snap length when its TCP header was captured whole: tcpdump
    /// prints such a packet normally, from its headers.
    static func fittedToIPLength(_ b: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let s = b.startIndex
        guard let first = b.first else { return b }
        let total: Int, ipHeader: Int
        switch first >> 4 {
        case 4 where b.count >= 20:
            total = Int(b[s + 2]) << 8 | Int(b[s + 3])
            ipHeader = Int(first & 0x0f) * 4
        case 6 where b.count >= 40:
            total = 40 + (Int(b[s + 4]) << 8 | Int(b[s + 5]))
            ipHeader = 40
        default: return b
        }
        if total >= ipHeader && total < b.count { return b.prefix(total) }
        guard total > b.count, ipHeader + 20 <= b.count else { return b }
        let tcpHeader = Int(b[s + ipHeader + 12] >> 4) * 4
        guard tcpHeader >= 20, ipHeader + tcpHeader <= b.count else { return b }
        return (Array(b) + repeatElement(0, count: total - b.count))[...]
    }

    /// tcpdump's line for a TCP header too short for its ports, shorter than 20 bytes, or whose
    /// data offset is below 5 or past the segment. `b` is one consistent IP packet.
    mutating func badHeaderLine(_ b: ArraySlice<UInt8>) -> String? {
        let s = b.startIndex
        guard let first = b.first else { return nil }
        let src: IPAddress, dst: IPAddress, h: Int
        switch first >> 4 {
        case 4 where b.count >= 20:
            src = .v4(IPv4Address(b[s + 12], b[s + 13], b[s + 14], b[s + 15]))
            dst = .v4(IPv4Address(b[s + 16], b[s + 17], b[s + 18], b[s + 19]))
            h = Int(first & 0x0f) * 4
        case 6 where b.count >= 40:
            src = .v6(Self.v6(b, s + 8))
            dst = .v6(Self.v6(b, s + 24))
            h = 40
        default:
            return nil
        }
        let family = first >> 4 == 4 ? "IP " : "IP6 "
        let length = b.count - h
        guard length >= 4 else { return family + "\(src) > \(dst): [|tcp]" }
        func be16(_ i: Int) -> UInt16 { UInt16(b[s + h + i]) << 8 | UInt16(b[s + h + i + 1]) }
        func be32(_ i: Int) -> UInt32 { UInt32(be16(i)) << 16 | UInt32(be16(i + 2)) }
        var line = family + "\(Endpoint(src, be16(0))) > \(Endpoint(dst, be16(2))): "
        guard length >= 20 else { return line + " [|tcp]" }
        let headerLength = Int(b[s + h + 12] >> 4) * 4
        if headerLength < 20 {
            return line + " tcp \(length - headerLength) [bad hdr length \(headerLength) - too short, < 20]"
        }
        let flags = TCPFlags(rawValue: UInt16(b[s + h + 13]))
        line += "Flags [\(Self.flagText(flags))]"
        let t = TCPSegment(
            sourcePort: be16(0), destinationPort: be16(2), sequenceNumber: be32(4), acknowledgmentNumber: be32(8),
            flags: flags, window: 0
        )
        _ = relative(src, dst, t)
        guard headerLength > length else { return nil }
        return line + " [bad hdr length \(headerLength) - too long, > \(length)]"
    }

    static func v6(_ b: ArraySlice<UInt8>, _ at: Int) -> IPv6Address {
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(b[at + i]) }
        for i in 8..<16 { low = low << 8 | UInt64(b[at + i]) }
        return IPv6Address(high: high, low: low)
    }

    /// A short line for what is not a well-formed TCP packet.
    static func fallback(_ b: ArraySlice<UInt8>, _ error: WireError) -> String {
        let s = b.startIndex
        if b.count >= 20, b[s] >> 4 == 4 {
            let src = IPv4Address(b[s + 12], b[s + 13], b[s + 14], b[s + 15])
            let dst = IPv4Address(b[s + 16], b[s + 17], b[s + 18], b[s + 19])
            return "IP \(src) > \(dst): \(describe(error)), length \(b.count)"
        }
        if b.count >= 40, b[s] >> 4 == 6 {
            return "IP6 \(v6(b, s + 8)) > \(v6(b, s + 24)): \(describe(error)), length \(b.count)"
        }
        return "\(describe(error)), length \(b.count)"
    }

    static func describe(_ error: WireError) -> String {
        switch error {
        case .notTCP(let p): "ip-proto-\(p)"
        case .unsupportedExtensionHeader(let n): "unsupported IPv6 extension header \(n)"
        case .fragmented(let offset): "fragment at offset \(offset)"
        default: "malformed packet (\(error))"
        }
    }
}
