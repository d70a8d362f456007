import TCPWire

/// SipHash-2-4 over a few 64-bit words: the keyed hash behind ISNs and timestamp offsets
/// (RFC 6528 asks for a keyed PRF; Linux uses siphash in `secure_tcp_seq`).
struct SipHash {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64
    private var length: UInt64 = 0

    init(key: (UInt64, UInt64)) {
        v0 = key.0 ^ 0x736f_6d65_7073_6575
        v1 = key.1 ^ 0x646f_7261_6e64_6f6d
        v2 = key.0 ^ 0x6c79_6765_6e65_7261
        v3 = key.1 ^ 0x7465_6462_7974_6573
    }

    private mutating func round() {
        v0 &+= v1; v1 = v1 << 13 | v1 >> 51; v1 ^= v0; v0 = v0 << 32 | v0 >> 32
        v2 &+= v3; v3 = v3 << 16 | v3 >> 48; v3 ^= v2
        v0 &+= v3; v3 = v3 << 21 | v3 >> 43; v3 ^= v0
        v2 &+= v1; v1 = v1 << 17 | v1 >> 47; v1 ^= v2; v2 = v2 << 32 | v2 >> 32
    }

    mutating func combine(_ m: UInt64) {
        v3 ^= m
        round(); round()
        v0 ^= m
        length &+= 8
    }

    mutating func combine(_ address: IPAddress) {
        switch address {
        case .v4(let a): combine(UInt64(a.rawValue))
        case .v6(let a): combine(a.high); combine(a.low)
        }
    }

    consuming func finalize() -> UInt64 {
        let b = length << 56
        v3 ^= b
        round(); round()
        v0 ^= b
        v2 ^= 0xff
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}

/// RFC 6528 initial sequence numbers and the per-connection timestamp offset, from an injected secret.
public struct ISNGenerator: Sendable {
    public var secret: (UInt64, UInt64)

    public init(secret: (UInt64, UInt64)) { self.secret = secret }

    /// ISN = M + F(localip, localport, remoteip, remoteport, secretkey) (RFC 6528 §3), M = ns >> shift.
    public func isn(local: Endpoint, remote: Endpoint, now: Instant, clockShift: Int) -> SeqNum {
        var h = SipHash(key: secret)
        h.combine(local.address)
        h.combine(remote.address)
        h.combine(UInt64(local.port) << 16 | UInt64(remote.port))
        let f = UInt32(truncatingIfNeeded: h.finalize())
        let m = UInt32(truncatingIfNeeded: UInt64(bitPattern: now.nanoseconds) >> UInt64(clockShift))
        return SeqNum(f &+ m)
    }

    /// The timestamp offset for a pair of addresses (Linux `secure_tcp_ts_off`: keyed on addresses only).
    public func timestampOffset(local: IPAddress, remote: IPAddress) -> UInt32 {
        var h = SipHash(key: (secret.1, secret.0 ^ 0x5453))
        h.combine(local)
        h.combine(remote)
        return UInt32(truncatingIfNeeded: h.finalize())
    }
}
