#if canImport(Glibc)
import Glibc
#endif

/// An IP address as the guard sees it: plain values, no dependency on any networking library,
/// so a SwiftNIO handler can build one from `SocketAddress` and reuse ``isSelfConnection(_:_:)``.
public enum SocketIP: Hashable, Sendable, CustomStringConvertible {
    /// IPv4, host byte order (`127.0.0.1` is `0x7f00_0001`).
    case v4(UInt32)
    /// IPv6 as two 64-bit halves in host byte order (`high` holds the first 8 bytes on the wire).
    case v6(high: UInt64, low: UInt64)

    /// An IPv6 address from its 16 bytes in network order (as in `in6_addr` or NIO's `sockaddr_in6`).
    public init<Bytes: Collection>(ipv6Bytes bytes: Bytes) where Bytes.Element == UInt8 {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, byte) in bytes.prefix(16).enumerated() {
            if i < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self = .v6(high: high, low: low)
    }

    /// The 16 bytes of an IPv6 address in network order; an IPv4 address as its v4-mapped form.
    public var ipv6Bytes: [UInt8] {
        let (high, low): (UInt64, UInt64)
        switch self {
        case .v4(let a): (high, low) = (0, 0xffff_0000_0000 | UInt64(a))
        case .v6(let h, let l): (high, low) = (h, l)
        }
        return (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> UInt64(56 - (i % 8) * 8)) }
    }

    /// The same address with a v4-mapped IPv6 address (`::ffff:a.b.c.d`) folded to IPv4,
    /// so `127.0.0.1` and `::ffff:127.0.0.1` compare equal.
    public var canonical: SocketIP {
        guard case .v6(0, let low) = self, low >> 32 == 0xffff else { return self }
        return .v4(UInt32(truncatingIfNeeded: low))
    }

    /// Dotted quad for IPv4; `inet_ntop`'s compressed form for IPv6 (`::1`, `::ffff:127.0.0.1`).
    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
        case .v6:
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            var raw = in6_addr()
            let b = ipv6Bytes
            withUnsafeMutableBytes(of: &raw) { dst in
                for i in 0..<16 { dst[i] = b[i] }
            }
            _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
            return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// An address and a TCP port.
public struct SocketEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The IP address, IPv4 or IPv6.
    public var address: SocketIP
    /// The TCP port in host byte order.
    public var port: UInt16

    /// Pairs an address with a port; nothing is checked.
    public init(_ address: SocketIP, _ port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses a numeric address (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`); nil for anything else (no DNS).
    public init?(numericHost host: String, port: UInt16) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            self.init(.v4(UInt32(bigEndian: v4.s_addr)), port)
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            self.init(withUnsafeBytes(of: v6) { SocketIP(ipv6Bytes: $0) }, port)
        } else {
            return nil
        }
    }

    /// Reads a `sockaddr_in` or `sockaddr_in6`; nil for other families.
    public init?(_ storage: sockaddr_storage) {
        var storage = storage
        let family = Int32(storage.ss_family)
        switch family {
        case AF_INET:
            let sin = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            self.init(.v4(UInt32(bigEndian: sin.sin_addr.s_addr)), UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            self.init(withUnsafeBytes(of: sin6.sin6_addr) { SocketIP(ipv6Bytes: $0) }, UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// The address family to open a socket for this endpoint (`AF_INET` or `AF_INET6`).
    public var family: Int32 {
        if case .v4 = address { return AF_INET }
        return AF_INET6
    }

    /// Calls `body` with this endpoint as a `sockaddr` and its length.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch address {
        case .v4(let a):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr.s_addr = a.bigEndian
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            let b = address.ipv6Bytes
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in
                for i in 0..<16 { dst[i] = b[i] }
            }
            return try withUnsafePointer(to: &sin6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// `1.2.3.4:80` or `[::1]:80`.
    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }
}
