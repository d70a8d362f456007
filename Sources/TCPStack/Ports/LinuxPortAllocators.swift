import TCPWire

// Linux's choices of an ephemeral port (net/ipv4/inet_hashtables.c `__inet_hash_connect` for connect(),
// net/ipv4/inet_connection_sock.c `inet_csk_get_port` for bind(0)), one type per era. The keyed hash is our
// SipHash with a key from SeededRandom, standing in for `secure_ipv4_port_ephemeral` (MD5 before 4.13).

/// Linux 3.10: `offset = hash(saddr, daddr, dport) + hint` with one global hint; probes
/// `low + (i + offset) % remaining` from i = 1 and, on success, `hint += i`. For a fixed destination the
/// ports come out one after another (the article's 49999, then 50000).
public struct Linux310PortAllocator: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// The key of the (saddr, daddr, dport) hash, standing in for the kernel's boot-time secret.
    public let key: SipKey
    /// The kernel's `static u32 hint`.
    public var hint: UInt32

    /// An allocator with a given key and starting hint, for reproducing a known sequence.
    public init(policy: PortPolicy, key: SipKey, hint: UInt32 = 0) {
        self.policy = policy
        self.key = key
        self.hint = hint
    }

    /// An allocator with a key drawn from `random` and the hint at 0, as after boot.
    public init(policy: PortPolicy, random: inout SeededRandom) {
        self.init(policy: policy, key: SipKey(random: &random))
    }

    /// Probes from `hint + hash(local, remote)` and advances `hint` past the port taken; throws `addressNotAvailable`
    /// when no port is usable.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let remaining = UInt32(policy.count)
        let offset = hint &+ UInt32(truncatingIfNeeded: portHash(local: local, remote: remote))
        for i in 1...remaining {
            let port = policy.low + Int((i &+ offset) % remaining)
            if policy.accepts(port, isUsable) {
                hint &+= i
                return UInt16(port)
            }
        }
        throw .addressNotAvailable
    }

    /// 3.10 `inet_csk_get_port`: a random rover, then sequential.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try RFC6056.randomStartSequential(policy, isUsable, &random)
    }

    /// The keyed hash, remembered for the last destination (a pure function of it): a retry loop asks for the
    /// same one every time.
    private var lastHash: (local: IPAddress, remote: Endpoint, hash: UInt64)?

    private mutating func portHash(local: IPAddress, remote: Endpoint) -> UInt64 {
        if let h = lastHash, h.local == local, h.remote == remote { return h.hash }
        let hash = key.portHash(local: local, remote: remote)
        lastHash = (local, remote, hash)
        return hash
    }
}

/// Linux 4.6 to 5.11 (commit "tcp/dccp: try to not exhaust ip_local_port_range in connect()"): connect() scans
/// ports of the parity of `low` first, stepping by 2 from `(hint + hash) % remaining`, then the other parity;
/// on success `hint += i + 2`. bind(0) starts on the opposite parity at a random offset.
public struct Linux46PortAllocator: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// The key of the (saddr, daddr, dport) hash.
    public let key: SipKey
    /// The kernel's global `hint`, advanced by each successful connect().
    public var hint: UInt32

    /// An allocator with a given key and starting hint, for reproducing a known sequence.
    public init(policy: PortPolicy, key: SipKey, hint: UInt32 = 0) {
        self.policy = policy
        self.key = key
        self.hint = hint
    }

    /// An allocator with a key drawn from `random` and the hint at 0, as after boot.
    public init(policy: PortPolicy, random: inout SeededRandom) {
        self.init(policy: policy, key: SipKey(random: &random))
    }

    /// Scans ports of `low`'s parity first, from `(hint + hash) % remaining`, then the other parity; throws
    /// `addressNotAvailable` when none is usable.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let remaining = LinuxParityScan.remaining(policy)
        let hash = UInt32(truncatingIfNeeded: key.portHash(local: local, remote: remote))
        let start = (hint &+ hash) % UInt32(remaining)
        guard let (port, i) = LinuxParityScan.scan(policy, from: Int(start) & ~1, remaining: remaining,
                                                   sameParityFirst: true, isUsable) else {
            throw .addressNotAvailable
        }
        hint &+= UInt32(i + 2)
        return port
    }

    /// bind(0): a random start on the parity connect() does not prefer, then the other.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try LinuxParityScan.bindPort(policy, isUsable, &random)
    }
}

/// Linux 5.18 and later (CVE-2022-32296 fix, "tcp: increase source port perturb table to 2^16"): a 2^16-entry
/// perturbation table; a 64-bit keyed hash of (saddr, daddr, dport) gives the table index (low 16 bits) and an
/// offset (high 32 bits). Parity scan as in 4.6; after a success the slot grows by
/// `max(i, 2 * random(0..7)) + 2`, so a quiet host steps uniformly over {2, 4, ..., 16}.
/// The hash also covers `jiffies / EPHEMERAL_PORT_SHUFFLE_PERIOD` (10 s): the owner advances `shuffleEpoch`
/// from its clock, and each new epoch moves every destination to a fresh slot and offset.
public struct Linux6PortAllocator: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// The key of the (saddr, daddr, dport, epoch) hash.
    public let key: SipKey
    /// The 10-second shuffle period the owner is in; the hash covers it, so a new epoch moves every destination.
    public var shuffleEpoch: UInt32 = 0
    /// How often Linux reshuffles: `EPHEMERAL_PORT_SHUFFLE_PERIOD`, 10 s.
    public static let shufflePeriod: Duration = .seconds(10)
    /// `table_perturb`, filled with random words once (the kernel's `get_random_sleepable_once`).
    private var perturb: [UInt32]
    /// Entries of `table_perturb`: 2^16 since Linux 5.18.
    public static let tableSize = 1 << 16

    /// An allocator with its key and perturbation table drawn from `random`.
    public init(policy: PortPolicy, random: inout SeededRandom) {
        self.policy = policy
        key = SipKey(random: &random)
        perturb = (0..<Self.tableSize).map { _ in UInt32(truncatingIfNeeded: random.next()) }
    }

    /// Scans by parity from the perturbed slot's offset, then steps the slot by `max(i, 2 * random(0..7)) + 2`; throws
    /// `addressNotAvailable` when no port is usable.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let remaining = LinuxParityScan.remaining(policy)
        let hash = portHash(local: local, remote: remote)
        let index = Int(hash & UInt64(Self.tableSize - 1))
        let start = (perturb[index] &+ UInt32(truncatingIfNeeded: hash >> 32)) % UInt32(remaining)
        guard let (port, i) = LinuxParityScan.scan(policy, from: Int(start) & ~1, remaining: remaining,
                                                   sameParityFirst: true, isUsable) else {
            throw .addressNotAvailable
        }
        // Randomness is maximal when the first probe succeeds, absent under contention (large i).
        let jitter = Int(random.next() % 8) * 2
        perturb[index] &+= UInt32(max(i, jitter) + 2)
        return port
    }

    /// bind(0): a random start on the parity connect() does not prefer, then the other.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try LinuxParityScan.bindPort(policy, isUsable, &random)
    }

    /// The keyed hash, remembered for the last destination: a retry loop asks for the same one every time.
    private var lastHash: (local: IPAddress, remote: Endpoint, epoch: UInt32, hash: UInt64)?

    private mutating func portHash(local: IPAddress, remote: Endpoint) -> UInt64 {
        if let h = lastHash, h.local == local, h.remote == remote, h.epoch == shuffleEpoch { return h.hash }
        let hash = key.portHash(local: local, remote: remote, epoch: shuffleEpoch)
        lastHash = (local, remote, shuffleEpoch, hash)
        return hash
    }
}

/// The two-pass parity scan shared by Linux >= 4.6.
enum LinuxParityScan {
    /// `high - low`, rounded down to even so both passes cover whole parity classes.
    static func remaining(_ policy: PortPolicy) -> Int {
        let r = policy.count
        return r > 1 ? r & ~1 : r
    }

    /// Scans `remaining` positions by 2 from `offset`, then (when `remaining > 1`) the other parity from
    /// `offset ± 1`. Returns the port and the `i` of the successful pass (distance from the pass start).
    static func scan(
        _ policy: PortPolicy, from offset: Int, remaining: Int, sameParityFirst: Bool,
        _ isUsable: (UInt16) -> Bool
    ) -> (UInt16, Int)? {
        // The kernel wraps at the range's real end even when `remaining` was rounded down.
        let high = policy.low + policy.count
        var offset = offset
        for pass in 0..<(remaining > 1 ? 2 : 1) {
            if pass == 1 { offset += sameParityFirst ? 1 : -1 }
            var port = policy.low + offset
            var i = 0
            while i < remaining {
                if port >= high { port -= remaining }
                if policy.accepts(port, isUsable) { return (UInt16(port), i) }
                i += 2
                port += 2
            }
        }
        return nil
    }

    /// `inet_csk_find_open_port`: a random offset forced odd (the parity connect() avoids), then even.
    /// (The kernel first tries half the range for SO_REUSEADDR sockets; not modelled.)
    static func bindPort(
        _ policy: PortPolicy, _ isUsable: (UInt16) -> Bool, _ random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let remaining = remaining(policy)
        let offset = Int(random.next() % UInt64(remaining)) | (remaining > 1 ? 1 : 0)
        guard let (port, _) = scan(policy, from: min(offset, remaining - 1), remaining: remaining,
                                   sameParityFirst: false, isUsable) else {
            throw .addressNotAvailable
        }
        return port
    }
}
