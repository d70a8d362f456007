import TCPWire

/// Text forms of addresses for story, netstat and diagram output.
enum AddressText {
    /// Dotted quad, or RFC 5952 compressed IPv6 (`::1`).
    static func address(_ address: IPAddress) -> String {
        switch address {
        case .v4(let a):
            let v = a.rawValue
            return "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
        case .v6(let a):
            return ipv6(a.groups)
        }
    }

    /// `127.0.0.1:50000`, `::1:50000`: the netstat form.
    static func endpoint(_ endpoint: Endpoint) -> String {
        "\(address(endpoint.address)):\(endpoint.port)"
    }

    private static func ipv6(_ groups: [UInt16]) -> String {
        // The longest run (length >= 2) of zero groups becomes "::", the first one on a tie.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...groups.count {
            if i < groups.count, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestLength >= 2 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}
