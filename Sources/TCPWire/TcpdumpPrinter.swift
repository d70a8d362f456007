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
        guard let decoded else {
            return record.linkType.isSupported
                ? "\(time) [|\(record.linkType)] truncated link header"
                : "\(time) unsupported link type \(record.linkType.rawValue), length \(record.originalLength)"
        }
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
    mutating func relative(_ src: IPAddress, _ dst: IPAddress, _ t: TCPSegment)
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
