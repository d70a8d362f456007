import TCPWire

/// SipHash-2-4 (Aumasson and Bernstein), the keyed hash Linux uses for `secure_ipv4_port_ephemeral` since 4.x.
/// A streaming value: append bytes or words, then `finalize()`. Keys come from `SeededRandom`, never a clock.
public struct SipHasher: Sendable {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64
    private var tail: UInt64 = 0   // bytes not yet forming a full 8-byte word, little-endian
    private var length: UInt64 = 0

    /// A hasher keyed with the two 64-bit halves of a 128-bit key.
    public init(key0: UInt64, key1: UInt64) {
        v0 = key0 ^ 0x736f_6d65_7073_6575
        v1 = key1 ^ 0x646f_7261_6e64_6f6d
        v2 = key0 ^ 0x6c79_6765_6e65_7261
        v3 = key1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always) private mutating func round() {
        v0 &+= v1; v1 = v1 << 13 | v1 >> 51; v1 ^= v0; v0 = v0 << 32 | v0 >> 32
        v2 &+= v3; v3 = v3 << 16 | v3 >> 48; v3 ^= v2
        v0 &+= v3; v3 = v3 << 21 | v3 >> 43; v3 ^= v0
        v2 &+= v1; v1 = v1 << 17 | v1 >> 47; v1 ^= v2; v2 = v2 << 32 | v2 >> 32
    }

    @inline(__always) private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round(); round()
        v0 ^= m
    }

    /// Appends one byte.
    public mutating func append(_ byte: UInt8) {
        tail |= UInt64(byte) << ((length & 7) * 8)
        length += 1
        if length & 7 == 0 {
            compress(tail)
            tail = 0
        }
    }

    /// Appends the four bytes of `word` in little-endian order (as the kernel hashes a u32 in memory on x86).
    /// Whole words go into `tail` at once; only a misaligned tail (after single bytes) takes the bytewise path.
    @inline(__always) public mutating func append(_ word: UInt32) {
        switch length & 7 {
        case 0:
            tail = UInt64(word)
            length += 4
        case 4:
            compress(tail | UInt64(word) << 32)
            tail = 0
            length += 4
        default:
            for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
    }

    /// Appends an address as 32-bit words, each as `append(_: UInt32)` takes it: one for IPv4, four for IPv6.
    @inline(__always) public mutating func append(_ address: IPAddress) {
        switch address {
        case .v4(let a): append(a.rawValue)
        case .v6(let a):
            append(UInt32(truncatingIfNeeded: a.high >> 32)); append(UInt32(truncatingIfNeeded: a.high))
            append(UInt32(truncatingIfNeeded: a.low >> 32)); append(UInt32(truncatingIfNeeded: a.low))
        }
    }

    /// The 64-bit hash of what was appended; the hasher itself is unchanged.
    @inline(__always) public func finalize() -> UInt64 {
        var h = self
        h.compress(h.tail | (h.length & 0xff) << 56)
        h.v2 ^= 0xff
        h.round(); h.round(); h.round(); h.round()
        return h.v0 ^ h.v1 ^ h.v2 ^ h.v3
    }
}

extension SipHasher {
    /// SipHash-2-4 of exactly twelve bytes, `first` (eight, little-endian) then `last` (four): what appending
    /// three 32-bit words computes, without the streaming bookkeeping (the IPv4 ISN hashes one per connect).
    @inline(__always)
    static func hash12(key0: UInt64, key1: UInt64, first: UInt64, last: UInt32) -> UInt64 {
        var h = SipHasher(key0: key0, key1: key1)
        h.compress(first)
        h.compress(UInt64(last) | 12 << 56)
        h.v2 ^= 0xff
        h.round(); h.round(); h.round(); h.round()
        return h.v0 ^ h.v1 ^ h.v2 ^ h.v3
    }
}

/// A 128-bit SipHash key drawn from the injected generator, like the kernel's boot-time `net_secret`.
public struct SipKey: Hashable, Sendable {
    /// The first 64 bits of the key.
    public var k0: UInt64
    /// The second 64 bits of the key.
    public var k1: UInt64

    /// A key from its two halves.
    public init(k0: UInt64, k1: UInt64) { self.k0 = k0; self.k1 = k1 }
    /// A key drawn from `random`, the way a host draws its secrets at boot.
    public init(random: inout SeededRandom) { self.init(k0: random.next(), k1: random.next()) }

    /// The 64-bit keyed hash of a connection's (local address, remote address, remote port), as
    /// `secure_ipv4_port_ephemeral` / `secure_ipv6_port_ephemeral` compute it; 5.18+ adds the shuffle `epoch`.
    public func portHash(local: IPAddress, remote: Endpoint, epoch: UInt32? = nil) -> UInt64 {
        var h = SipHasher(key0: k0, key1: k1)
        h.append(local)
        h.append(remote.address)
        h.append(UInt32(remote.port))
        if let epoch { h.append(epoch) }
        return h.finalize()
    }
}
