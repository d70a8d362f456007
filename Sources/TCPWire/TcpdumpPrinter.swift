/// Prints packets the way `tcpdump -nn -r FILE` (4.99) does, one line each.
///
/// The printer is a value that carries tcpdump's per-conversation state over a capture: once a
/// segment with ACK set is seen, sequence and acknowledgment numbers print relative to the
/// conversation's initial numbers (print-tcp.c's tcp_seq_hash), and a SYN with ACK restarts them.
/// Times print in UTC (tcpdump run with TZ=UTC).
///
/// Not reproduced: tcpdump's payload dissectors for well-known ports (HTTP, DNS, BGP, ...),
/// protocols other than TCP (a short line is printed instead), and MPTCP option decoding.
public struct TcpdumpPrinter {
    /// Initial sequence numbers per conversation, keyed the way tcpdump keys them: the two
    /// addresses and ports in a fixed order so both directions share one entry.
    private struct ConversationKey: Hashable {
        var first: IPAddress
        var second: IPAddress
        var ports: UInt32
    }

    private var conversations: [ConversationKey: (seq: UInt32, ack: UInt32)] = [:]
    private let interfaceName: (UInt32) -> String?

    /// `interfaceName` turns a LINUX_SLL2 interface index into a name (tcpdump uses the reading
    /// host's if_indextoname); nil prints `?` as tcpdump does for an unknown index.
    public init(interfaceName: @escaping (UInt32) -> String? = { _ in nil }) {
        self.interfaceName = interfaceName
    }

    /// The line for one pcap record.
    public mutating func line(for record: PcapRecord) -> String {
        let time = record.timestamp.timeOfDayUTC
        let decoded: (prefix: String, etherType: UInt16?, ip: ArraySlice<UInt8>)? = record.data.withUnsafeBytes { raw in
            guard let frame = record.linkType.decode(raw) else { return nil }
            var prefix = ""
            if record.linkType == .linuxSLL2 {
                prefix = Self.padded(frame.interfaceIndex.flatMap(interfaceName) ?? "?", 5) + " "
                prefix += Self.padded(Self.packetTypeName(frame.packetType ?? 255), 3) + " "
            }
            let start = record.data.startIndex + frame.headerLength
            return (prefix, frame.etherType, record.data[start...])
        }
        guard let decoded else { return "\(time) [|\(record.linkType)] truncated link header" }
        switch decoded.etherType {
        case 0x0800, 0x86dd:
            return "\(time) \(decoded.prefix)" + line(ipBytes: Self.fittedToIPLength(decoded.ip))
        case let type?:
            return "\(time) \(decoded.prefix)ethertype 0x\(Self.hex4(type)), length \(record.originalLength)"
        case nil:
            return "\(time) \(decoded.prefix)unknown link payload, length \(record.originalLength)"
        }
    }

    /// The line for a packet stamped `time`.
    public mutating func line(for packet: IPPacket, at time: PcapTimestamp) -> String {
        "\(time.timeOfDayUTC) " + body(packet)
    }

    /// The line for raw IP bytes (no link header) stamped `time`, e.g. from an AF_PACKET capture.
    public mutating func line(forIPBytes bytes: [UInt8], at time: PcapTimestamp) -> String {
        "\(time.timeOfDayUTC) " + line(ipBytes: Self.fittedToIPLength(bytes[...]))
    }

    /// The line after the timestamp and link prefix, for raw IP bytes.
    mutating func line(ipBytes: ArraySlice<UInt8>) -> String {
        let parsed: Result<IPPacket, WireError> = ipBytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in try IPPacket(parsing: raw, verifyChecksums: false, lenientOptions: true) }
        }
        switch parsed {
        case .success(let packet): return body(packet)
        case .failure(.badDataOffset), .failure(.truncated):
            return badHeaderLine(ipBytes) ?? Self.fallback(ipBytes, .badDataOffset(0))
        case .failure(let error): return Self.fallback(ipBytes, error)
        }
    }

    private mutating func body(_ p: IPPacket) -> String {
        let t = p.tcp
        var s = p.ip.source.isIPv6 ? "IP6 " : "IP "
        s += "\(p.source) > \(p.destination): Flags [\(Self.flagText(t.flags))]"
        let (seq, ack, sackBase) = relative(p.ip.source, p.ip.destination, t)
        let length = t.payload.count
        if length > 0 || !t.flags.isDisjoint(with: [.syn, .fin, .rst]) {
            s += ", seq \(seq)"
            if length > 0 { s += ":\(seq &+ UInt32(truncatingIfNeeded: length))" }
        }
        if t.flags.contains(.ack) { s += ", ack \(ack)" }
        s += ", win \(t.window)"
        if t.flags.contains(.urg) { s += ", urg \(t.urgentPointer)" }
        if t.options.paddedCount > 0 {
            let (text, complete) = TcpdumpOptionText(area: t.options, sackBase: sackBase, hasPayload: length > 0).render()
            s += text
            if !complete { return s }
        }
        s += ", length \(length)"
        return s
    }

    /// Sequence and acknowledgment numbers as tcpdump shows them, and the base for SACK edges.
    /// print-tcp.c: only segments with ACK take part; the endpoints are ordered by port, then by
    /// address bytes, so both directions share one entry, and "rev" says this one runs against that order.
    private mutating func relative(_ src: IPAddress, _ dst: IPAddress, _ t: TCPSegment)
        -> (seq: UInt32, ack: UInt32, sackBase: UInt32)
    {
        var seq = t.sequenceNumber
        var ack = t.acknowledgmentNumber
        guard t.flags.contains(.ack) else { return (seq, ack, 0) }
        let (sport, dport) = (t.sourcePort, t.destinationPort)
        let rev = sport > dport || (sport == dport && Self.addressGreater(src, dst))
        let key = rev
            ? ConversationKey(first: dst, second: src, ports: UInt32(dport) << 16 | UInt32(sport))
            : ConversationKey(first: src, second: dst, ports: UInt32(sport) << 16 | UInt32(dport))
        let state: (seq: UInt32, ack: UInt32)
        if let known = conversations[key], !t.flags.contains(.syn) {
            state = known
            if rev {
                seq &-= known.ack; ack &-= known.seq
            } else {
                seq &-= known.seq; ack &-= known.ack
            }
        } else {
            // A new conversation, or a SYN restarting one.
            state = rev ? (seq: ack &- 1, ack: seq) : (seq: seq, ack: ack &- 1)
            conversations[key] = state
        }
        return (seq, ack, rev ? state.seq : state.ack)
    }

    /// tcpdump's line for a TCP header too short for its ports, shorter than 20 bytes, or whose
    /// data offset is below 5 or past the segment. `b` is one consistent IP packet.
    private mutating func badHeaderLine(_ b: ArraySlice<UInt8>) -> String? {
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

    private static func v6(_ b: ArraySlice<UInt8>, _ at: Int) -> IPv6Address {
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(b[at + i]) }
        for i in 8..<16 { low = low << 8 | UInt64(b[at + i]) }
        return IPv6Address(high: high, low: low)
    }

    /// tcpdump's flag letters, in its order; `none` when no flag of the low eight is set.
    static func flagText(_ flags: TCPFlags) -> String {
        let letters: [(TCPFlags, Character)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
        ]
        let text = String(letters.compactMap { flags.contains($0.0) ? $0.1 : nil })
        return text.isEmpty ? "none" : text
    }

    /// memcmp order of the addresses' network bytes.
    private static func addressGreater(_ a: IPAddress, _ b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): x > y
        case (.v6(let x), .v6(let y)): x > y
        default: false
        }
    }

    /// Drops link-layer padding after the IP packet (Ethernet pads short frames), and restores the
    /// length of a packet cut by the snap length when its TCP header was captured whole: tcpdump
    /// prints such a packet normally, from its headers.
    private static func fittedToIPLength(_ b: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
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

    /// A short line for what is not a well-formed TCP packet.
    private static func fallback(_ b: ArraySlice<UInt8>, _ error: WireError) -> String {
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

    private static func packetTypeName(_ type: UInt16) -> String {
        switch type {
        case 0: "In"
        case 1: "B"
        case 2: "M"
        case 3: "P"
        case 4: "Out"
        default: "?"
        }
    }

    private static func padded(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func hex4(_ v: UInt16) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: 4 - h.count) + h
    }
}
