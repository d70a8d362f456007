import SelfConnectGuard

/// Reads /proc/net/tcp and /proc/net/tcp6, the slow fallback when sock_diag is refused.
public enum ProcNetTCP {
    public static func dump() throws(HostNetError) -> [TCPSocketRow] {
        var rows: [TCPSocketRow] = []
        for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // A kernel built without IPv6 has no tcp6 file; that is not an error.
            guard let text = readTextFile(path) else {
                if path.hasSuffix("6") { continue }
                throw .unreadable(path: path)
            }
            rows += parse(text)
        }
        return rows
    }

    /// Parses the table text; malformed lines are skipped.
    public static func parse(_ text: String) -> [TCPSocketRow] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 10, let local = endpoint(f[1]), let remote = endpoint(f[2]),
                  let state = UInt8(f[3], radix: 16), let uid = UInt32(f[7]), let inode = UInt32(f[9])
            else { return nil }
            return TCPSocketRow(local: local, remote: remote, state: TCPSocketState(rawValue: state), uid: uid, inode: inode)
        }
    }

    /// `0100007F:C350`: the address as the kernel's in-memory 32-bit words printed in hex, then the port in hex.
    static func endpoint(_ field: Substring) -> SocketEndpoint? {
        let parts = field.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1], radix: 16) else { return nil }
        let hex = parts[0]
        var words: [UInt32] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 8, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let word = UInt32(hex[index..<next], radix: 16) else { return nil }
            words.append(UInt32(bigEndian: word))  // memory bytes in network order
            index = next
        }
        switch words.count {
        case 1: return SocketEndpoint(.v4(words[0]), port)
        case 4:
            return SocketEndpoint(.v6(high: UInt64(words[0]) << 32 | UInt64(words[1]),
                                      low: UInt64(words[2]) << 32 | UInt64(words[3])), port)
        default: return nil
        }
    }
}
