import TCPWire

/// One JSON object per captured packet for `selfconnect pcap print --json`.
/// Sequence and acknowledgment numbers are absolute (unlike tcpdump's relative ones).
enum PacketJSON {
    static func object(for record: PcapRecord, index: Int) -> String {
        let t = record.timestamp
        let frac = String(t.nanoseconds)
        var fields = [
            "\"index\":\(index)",
            "\"time\":\"\(t.seconds).\(String(repeating: "0", count: 9 - frac.count) + frac)\"",
            "\"offset\":\(record.offset)",
        ]
        guard let ip = record.ipBytes else {
            fields.append("\"error\":\"not an IP packet\"")
            return "{" + fields.joined(separator: ",") + "}"
        }
        let packet: IPPacket
        do {
            packet = try IPPacket(parsing: ip)
        } catch {
            fields.append("\"error\":\(quoted(String(describing: error)))")
            return "{" + fields.joined(separator: ",") + "}"
        }
        let tcp = packet.tcp
        fields += [
            "\"family\":\"\(packet.ip.source.isIPv6 ? "IPv6" : "IPv4")\"",
            "\"src\":\"\(packet.ip.source)\"", "\"sport\":\(tcp.sourcePort)",
            "\"dst\":\"\(packet.ip.destination)\"", "\"dport\":\(tcp.destinationPort)",
            "\"flags\":\"\(flagLetters(tcp.flags))\"",
            "\"seq\":\(tcp.sequenceNumber)", "\"ack\":\(tcp.acknowledgmentNumber)",
            "\"window\":\(tcp.window)", "\"urgent\":\(tcp.urgentPointer)",
            "\"options\":[" + tcp.options.map(option).joined(separator: ",") + "]",
            "\"payloadLength\":\(tcp.payload.count)",
        ]
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// All nine flags by name initial; AE as "A" (tcpdump does not show it).
    static func flagLetters(_ f: TCPFlags) -> String {
        let names: [(TCPFlags, String)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
            (.ae, "A"),
        ]
        return names.filter { f.contains($0.0) }.map(\.1).joined()
    }

    static func option(_ o: TCPOption) -> String {
        switch o {
        case .endOfList: return "{\"kind\":\"eol\"}"
        case .noOperation: return "{\"kind\":\"nop\"}"
        case .maxSegmentSize(let v): return "{\"kind\":\"mss\",\"value\":\(v)}"
        case .windowScale(let v): return "{\"kind\":\"wscale\",\"value\":\(v)}"
        case .sackPermitted: return "{\"kind\":\"sackOK\"}"
        case .sack(let blocks):
            let list = blocks.map { "[\($0.left),\($0.right)]" }.joined(separator: ",")
            return "{\"kind\":\"sack\",\"blocks\":[\(list)]}"
        case .timestamps(let v, let e): return "{\"kind\":\"TS\",\"value\":\(v),\"echo\":\(e)}"
        case .unknown(let kind, let data):
            let hex = data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            return "{\"kind\":\"unknown\",\"code\":\(kind),\"data\":\"\(hex)\"}"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
