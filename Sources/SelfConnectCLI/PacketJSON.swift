import TCPWire

/// One JSON object per captured packet for `selfconnect pcap print --json` (schema: docs/json/pcap.schema.json).
/// Sequence and acknowledgment numbers are absolute (unlike tcpdump's relative ones).
enum PacketJSON {
    static func object(for record: PcapRecord, index: Int) -> String {
        let t = record.timestamp
        let frac = String(t.nanoseconds)
        var fields: [(String, JSONValue)] = [
            ("version", .int(1)),
            ("index", .int(index)),
            ("time", .string("\(t.seconds).\(String(repeating: "0", count: 9 - frac.count) + frac)")),
            ("offset", .int(record.offset)),
        ]
        guard let ip = record.ipBytes else {
            fields.append(("error", .string("not an IP packet")))
            return JSONValue.object(fields).compact
        }
        let packet: IPPacket
        do {
            packet = try IPPacket(parsing: ip)
        } catch {
            fields.append(("error", .string(String(describing: error))))
            return JSONValue.object(fields).compact
        }
        let tcp = packet.tcp
        fields += [
            ("family", .string(packet.ip.source.isIPv6 ? "IPv6" : "IPv4")),
            ("src", .string("\(packet.ip.source)")), ("sport", .int(Int(tcp.sourcePort))),
            ("dst", .string("\(packet.ip.destination)")), ("dport", .int(Int(tcp.destinationPort))),
            ("flags", .string(flagLetters(tcp.flags))),
            ("seq", .int(Int64(tcp.sequenceNumber))), ("ack", .int(Int64(tcp.acknowledgmentNumber))),
            ("window", .int(Int(tcp.window))), ("urgent", .int(Int(tcp.urgentPointer))),
            ("options", .array(tcp.options.map(option))),
            ("payload_length", .int(tcp.payload.count)),
        ]
        return JSONValue.object(fields).compact
    }

    /// All nine flags by name initial; AE as "A" (tcpdump does not show it).
    static func flagLetters(_ f: TCPFlags) -> String {
        let names: [(TCPFlags, String)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
            (.ae, "A"),
        ]
        return names.filter { f.contains($0.0) }.map(\.1).joined()
    }

    static func option(_ o: TCPOption) -> JSONValue {
        switch o {
        case .endOfList: return .object([("kind", .string("eol"))])
        case .noOperation: return .object([("kind", .string("nop"))])
        case .maxSegmentSize(let v): return .object([("kind", .string("mss")), ("value", .int(Int(v)))])
        case .windowScale(let v): return .object([("kind", .string("wscale")), ("value", .int(Int(v)))])
        case .sackPermitted: return .object([("kind", .string("sackOK"))])
        case .sack(let blocks):
            let list = blocks.map { JSONValue.array([.int(Int64($0.left)), .int(Int64($0.right))]) }
            return .object([("kind", .string("sack")), ("blocks", .array(list))])
        case .timestamps(let v, let e):
            return .object([("kind", .string("TS")), ("value", .int(Int64(v))), ("echo", .int(Int64(e)))])
        case .unknown(let kind, let data):
            let hex = data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            return .object([("kind", .string("unknown")), ("code", .int(Int(kind))), ("data", .string(hex))])
        }
    }
}
