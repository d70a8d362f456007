/// The `options [...]` part of a tcpdump TCP line, walked over the raw option bytes exactly as
/// tcpdump 4.99's print-tcp.c does, malformed options included (`[len N]`, `[bad opt]`).
struct TcpdumpOptionText {
    /// The options area, padded with zeros (EOL) to the header's length.
    let area: TCPOptions
    /// SACK edges are printed relative to this base (tcpdump's conversation ISN, 0 if untracked).
    let sackBase: UInt32
    /// Whether payload bytes follow the options (tcpdump may read one of them as a length byte).
    let hasPayload: Bool

    /// The option kinds tcpdump names; others print as `unknown-N`.
    static func name(_ kind: UInt8) -> String {
        switch kind {
        case 0: "eol"
        case 1: "nop"
        case 2: "mss"
        case 3: "wscale"
        case 4: "sackOK"
        case 5: "sack"
        case 6: "echo"
        case 7: "echoreply"
        case 8: "TS"
        case 11: "cc"
        case 12: "ccnew"
        case 13: ""  // CC.ECHO: tcpdump's table gives it an empty name
        case 19: "md5"
        case 20: "scps"
        case 28: "uto"
        case 29: "tcp-ao"
        case 30: "mptcp"
        case 34: "tfo"
        case 254: "exp"
        default: "unknown-\(kind)"
        }
    }

    private func byte(_ i: Int) -> UInt8 { i < area.count ? area[byte: i] : 0 }
    private func be16(_ i: Int) -> UInt16 { UInt16(byte(i)) << 8 | UInt16(byte(i + 1)) }
    private func be32(_ i: Int) -> UInt32 { UInt32(be16(i)) << 16 | UInt32(be16(i + 2)) }
    private func hex(_ i: Int) -> String {
        let b = byte(i)
        return (b < 16 ? "0" : "") + String(b, radix: 16)
    }

    /// The text from `, options [` on. `complete` is false when tcpdump would stop the line after
    /// `[bad opt]` (it then prints no `, length`).
    func render() -> (text: String, complete: Bool) {
        var out = ", options ["
        var remaining = area.paddedCount
        var cp = 0
        var separator = false
        while remaining > 0 {
            if separator { out += "," }
            let kind = byte(cp)
            cp += 1
            let length: Int
            if kind == 0 || kind == 1 {
                length = 1
            } else if remaining == 1 && !hasPayload {
                // The length byte would lie past the end of the packet: tcpdump reports truncation.
                return (out + " [|tcp]", false)
            } else {
                length = Int(byte(cp))
                cp += 1
                guard length >= 2, length <= remaining else { return bad(out, separator) }
                remaining -= 1
            }
            remaining -= 1
            var dataLength = 0
            out += Self.name(kind)
            switch kind {
            case 2, 3:
                dataLength = kind == 2 ? 2 : 1
                guard dataLength <= remaining else { return bad(out, separator) }
                out += kind == 2 ? " \(be16(cp))" : " \(byte(cp))"
            case 5:
                dataLength = length - 2
                if dataLength % 8 != 0 {
                    out += " invalid sack"
                } else {
                    out += " \(dataLength / 8) "
                    for b in stride(from: 0, to: dataLength, by: 8) {
                        guard b + 8 <= remaining else { return bad(out, separator) }
                        out += "{\(be32(cp + b) &- sackBase):\(be32(cp + b + 4) &- sackBase)}"
                    }
                }
            case 6, 7, 11, 12, 13:
                dataLength = 4
                guard dataLength <= remaining else { return bad(out, separator) }
                out += " \(be32(cp))"
            case 8:
                dataLength = 8
                guard dataLength <= remaining else { return bad(out, separator) }
                out += " val \(be32(cp)) ecr \(be32(cp + 4))"
            case 19:
                dataLength = 16
                guard dataLength <= remaining else { return bad(out, separator) }
                out += " shared secret not supplied with -M, can't check - "
                for i in 0..<16 { out += hex(cp + i) }
            case 20:
                dataLength = 2
                guard dataLength <= remaining else { return bad(out, separator) }
                out += " cap \(hex(cp)) id \(byte(cp + 1))"
            case 29:
                dataLength = length - 2
                if dataLength < 2 {
                    out += " (invalid)"
                } else {
                    out += " keyid \(byte(cp)) rnextkeyid \(byte(cp + 1))"
                    if dataLength > 2 {
                        out += " mac 0x"
                        for i in 2..<dataLength { out += hex(cp + i) }
                    }
                }
            case 0, 1, 4:
                break
            case 28:
                dataLength = 2
                guard dataLength <= remaining else { return bad(out, separator) }
                let raw = be16(cp)
                let seconds = raw & 1 == 1 ? UInt32(raw >> 1) * 60 : UInt32(raw >> 1)
                out += " 0x\(String(raw, radix: 16)) \(seconds)"
            case 34:
                dataLength = length - 2
                out += " " + fastOpen(at: cp, length: dataLength)
            case 254:
                dataLength = length - 2
                guard dataLength >= 2 else { return bad(out, separator) }
                let magic = be16(cp)
                out += "-"
                if magic == 0xf989 {
                    out += "tfo" + fastOpen(at: cp + 2, length: dataLength - 2)
                } else {
                    let h = String(magic, radix: 16)
                    out += String(repeating: "0", count: 4 - h.count) + h
                }
            default:
                // MPTCP (30) has its own dissector in tcpdump; we print its bytes like any other kind.
                dataLength = length - 2
                if dataLength > 0 { out += " 0x" }
                for i in 0..<dataLength { out += hex(cp + i) }
            }
            cp += dataLength
            remaining -= dataLength
            let accounted = dataLength + (kind == 0 || kind == 1 ? 1 : 2)
            if accounted != length { out += "[len \(length)]" }
            separator = true
            if kind == 0 { break }
        }
        return (out + "]", true)
    }

    private func fastOpen(at cp: Int, length: Int) -> String {
        if length == 0 { return " cookiereq" }
        if length % 2 != 0 || length < 4 || length > 16 { return " (invalid)" }
        var out = " cookie "
        for i in 0..<length { out += hex(cp + i) }
        return out
    }

    private func bad(_ text: String, _ separator: Bool) -> (text: String, complete: Bool) {
        (text + "[bad opt]" + (separator ? "]" : ""), false)
    }
}
