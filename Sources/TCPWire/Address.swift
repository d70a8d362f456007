/// An IPv4 address, held in host byte order.
public struct IPv4Address: Hashable, Sendable, Comparable {
    /// The address as one host-order integer: `127.0.0.1` is `0x7f00_0001`.
    public var rawValue: UInt32

    /// Wraps a host-order 32-bit value, the form `rawValue` returns.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds `a.b.c.d` from its four octets, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    // Computed and inlinable: a stored static costs other modules an accessor call on every use.
    /// `127.0.0.1`, the loopback address where a self-connect happens.
    @inlinable public static var loopback: IPv4Address { IPv4Address(rawValue: 0x7f00_0001) }
    /// `0.0.0.0`, the wildcard address a socket binds to when it names none.
    @inlinable public static var any: IPv4Address { IPv4Address(rawValue: 0) }

    /// Orders addresses numerically, as `sort` and `ss` list them.
    public static func < (l: Self, r: Self) -> Bool { l.rawValue < r.rawValue }
}

/// An IPv6 address as two 64-bit halves in host byte order (high = first 8 bytes on the wire).
public struct IPv6Address: Hashable, Sendable, Comparable {
    /// The first eight bytes on the wire, as a host-order integer.
    public var high: UInt64
    /// The last eight bytes on the wire, as a host-order integer.
    public var low: UInt64

    /// Builds an address from its two host-order halves.
    @inlinable public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Builds an address from eight 16-bit groups, as written in text.
    public init(groups g: [UInt16]) {
        precondition(g.count == 8, "an IPv6 address has eight groups")
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(g[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(g[i]) }
        self.init(high: h, low: l)
    }

    /// The eight 16-bit groups in wire order, the inverse of `init(groups:)`.
    public var groups: [UInt16] {
        (0..<8).map { i in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
        }
    }

    /// `::1`, the IPv6 loopback address.
    @inlinable public static var loopback: IPv6Address { IPv6Address(high: 0, low: 1) }
    /// `::`, the IPv6 wildcard address.
    @inlinable public static var any: IPv6Address { IPv6Address(high: 0, low: 0) }

    /// The IPv4 address inside `::ffff:a.b.c.d`, if this is a v4-mapped address.
    public var v4Mapped: IPv4Address? {
        guard high == 0, low >> 32 == 0xffff else { return nil }
        return IPv4Address(rawValue: UInt32(truncatingIfNeeded: low))
    }

    /// Orders addresses numerically, high half first.
    public static func < (l: Self, r: Self) -> Bool { (l.high, l.low) < (r.high, r.low) }
}

/// An IP address of either family.
public enum IPAddress: Hashable, Sendable {
    /// An IPv4 address.
    case v4(IPv4Address)
    /// An IPv6 address, v4-mapped ones included.
    case v6(IPv6Address)

    /// True for an IPv6 address, including a v4-mapped one.
    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }
}

/// An address and a TCP port.
public struct Endpoint: Hashable, Sendable {
    /// The IP address of the endpoint.
    public var address: IPAddress
    /// The TCP port, in host byte order.
    public var port: UInt16

    /// Pairs an address with a port, as `(address, port)` in a socket address.
    public init(_ address: IPAddress, _ port: UInt16) {
        self.address = address
        self.port = port
    }
}
