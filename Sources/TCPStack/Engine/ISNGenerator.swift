import TCPWire

/// RFC 6528 initial sequence numbers and the per-connection timestamp offset, from an injected secret
/// (keyed SipHash-2-4 as Linux `secure_tcp_seq` / `secure_tcp_ts_off`).
public struct ISNGenerator: Hashable, Sendable {
    /// The secret key; the same key and inputs give the same ISNs.
    public var secret: SipKey

    /// A generator keyed with `secret`.
    public init(secret: SipKey) { self.secret = secret }

    /// ISN = M + F(localip, localport, remoteip, remoteport, secretkey) (RFC 6528 §3), M = ns >> shift.
    public func isn(local: Endpoint, remote: Endpoint, now: Instant, clockShift: Int) -> SeqNum {
        let ports = UInt32(local.port) << 16 | UInt32(remote.port)
        let f: UInt32
        if case .v4(let l) = local.address, case .v4(let r) = remote.address {
            // The same twelve bytes the streaming hasher takes below, hashed in one go.
            f = UInt32(truncatingIfNeeded: SipHasher.hash12(
                key0: secret.k0, key1: secret.k1, first: UInt64(l.rawValue) | UInt64(r.rawValue) << 32, last: ports))
        } else {
            var h = SipHasher(key0: secret.k0, key1: secret.k1)
            h.append(local.address)
            h.append(remote.address)
            h.append(ports)
            f = UInt32(truncatingIfNeeded: h.finalize())
        }
        let m = UInt32(truncatingIfNeeded: UInt64(bitPattern: now.nanoseconds) >> UInt64(clockShift))
        return SeqNum(f &+ m)
    }

    /// The timestamp offset for a pair of addresses (Linux `secure_tcp_ts_off`: keyed on the addresses only).
    public func timestampOffset(local: IPAddress, remote: IPAddress) -> UInt32 {
        var h = SipHasher(key0: secret.k1, key1: secret.k0)
        h.append(local)
        h.append(remote)
        return UInt32(truncatingIfNeeded: h.finalize())
    }
}
