import TCPWire

/// The addresses of a script run, as packetdrill's `config.c` sets them for `--ip_version`:
///
/// | flavour | socket domain | on the wire | local | remote |
/// |---|---|---|---|---|
/// | `ipv4` (default) | AF_INET | IPv4 | 192.168.0.1 | 192.0.2.1 (TEST-NET-1, RFC 5737) |
/// | `ipv4-mapped-ipv6` | AF_INET6 | IPv4 | 192.168.0.1 | 192.0.2.1 |
/// | `ipv6` | AF_INET6 | IPv6 | fd3d:fa7b:d17d::1 (ULA, RFC 4193) | 2001:db8::1 (RFC 3849) |
///
/// packetdrill picks a random local address in 192.168.0.0/16 or fd3d:fa7b:d17d::/48; we take the first one so
/// runs are reproducible. `--local_ip` and `--remote_ip` override them.
public struct ScriptAddressing: Hashable, Sendable {
    public enum Flavour: String, Hashable, Sendable {
        case ipv4
        case ipv4MappedIPv6 = "ipv4-mapped-ipv6"
        case ipv6
    }

    public var flavour: Flavour
    public var local: IPAddress
    public var remote: IPAddress

    public struct Problem: Error, Hashable, Sendable {
        public var message: String
    }

    public init(version: String?, local localText: String? = nil, remote remoteText: String? = nil) throws(Problem) {
        guard let flavour = Flavour(rawValue: version ?? "ipv4") else {
            throw Problem(message: "bad --ip_version=\(version ?? "") (ipv4, ipv4-mapped-ipv6 or ipv6)")
        }
        self.flavour = flavour
        let v6 = flavour == .ipv6
        func address(_ option: String, _ text: String?, _ fallback: IPAddress) throws(Problem) -> IPAddress {
            guard let text else { return fallback }
            // packetdrill accepts a prefix length on the remote address (`192.0.2.1/24`).
            let bare = String(text.prefix(while: { $0 != "/" }))
            if v6, let a = Self.parseIPv6(bare) { return .v6(a) }
            if !v6, let a = Self.parseIPv4(bare) { return .v4(a) }
            throw Problem(message: "--\(option)=\(text) is not an \(v6 ? "IPv6" : "IPv4") address")
        }
        local = try address("local_ip", localText,
            v6 ? .v6(IPv6Address(groups: [0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1])) : .v4(IPv4Address(192, 168, 0, 1)))
        remote = try address("remote_ip", remoteText,
            v6 ? .v6(IPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])) : .v4(IPv4Address(192, 0, 2, 1)))
    }

    /// `a.b.c.d`, or nil.
    public static func parseIPv4(_ text: String) -> IPv4Address? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for p in parts {
            guard p.count <= 3, let b = UInt8(p) else { return nil }
            bytes.append(b)
        }
        return IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3])
    }

    /// RFC 4291 §2.2 text: eight groups, `::` once, an IPv4 tail (`::ffff:1.2.3.4`); nil otherwise.
    public static func parseIPv6(_ text: String) -> IPv6Address? {
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(String(piece)) {
                    out.append(UInt16(v4.rawValue >> 16))
                    out.append(UInt16(v4.rawValue & 0xffff))
                } else {
                    guard (1...4).contains(piece.count), let g = UInt16(piece, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let gap = text.firstRange(of: "::") else {
            guard let all = groups(Substring(text)), all.count == 8 else { return nil }
            return IPv6Address(groups: all)
        }
        let rest = text[gap.upperBound...]
        guard rest.firstRange(of: "::") == nil, let head = groups(text[..<gap.lowerBound]), let tail = groups(rest),
            head.count + tail.count <= 7
        else { return nil }
        return IPv6Address(groups: head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail)
    }
}
