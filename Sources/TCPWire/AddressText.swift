/// Text forms of addresses, as tcpdump -n prints them.

extension IPv4Address: CustomStringConvertible {
    /// Dotted quad, `127.0.0.1`.
    public var description: String {
        "\(rawValue >> 24).\(rawValue >> 16 & 0xff).\(rawValue >> 8 & 0xff).\(rawValue & 0xff)"
    }
}

extension IPv6Address: CustomStringConvertible {
    /// RFC 4291 §2.2 text: lower-case hex groups, the longest run (first if tied) of two or more zero
    /// groups shortened to `::`, and an IPv4 tail for `::a.b.c.d` and `::ffff:a.b.c.d`
    /// (tcpdump's addrtostr6 rules).
    public var description: String {
        let g = groups
        var best = (base: -1, length: 0)
        var current = (base: -1, length: 0)
        for i in 0..<8 {
            if g[i] == 0 {
                if current.base == -1 { current = (i, 1) } else { current.length += 1 }
                if current.length > best.length { best = current }
            } else {
                current = (-1, 0)
            }
        }
        if best.length < 2 { best = (-1, 0) }
        var text = ""
        var i = 0
        while i < 8 {
            if best.base != -1 && i >= best.base && i < best.base + best.length {
                if i == best.base { text += ":" }
                i += 1
                continue
            }
            if i != 0 { text += ":" }
            if i == 6 && best.base == 0 && (best.length == 6 || (best.length == 5 && g[5] == 0xffff)) {
                text += IPv4Address(rawValue: UInt32(truncatingIfNeeded: low)).description
                return text
            }
            text += String(g[i], radix: 16)
            i += 1
        }
        if best.base != -1 && best.base + best.length == 8 { text += ":" }
        return text
    }
}

extension IPAddress: CustomStringConvertible {
    /// The address in tcpdump's text form for its family.
    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }
}

extension Endpoint: CustomStringConvertible {
    /// `address.port`, tcpdump's form for both families.
    public var description: String { "\(address).\(port)" }
}
