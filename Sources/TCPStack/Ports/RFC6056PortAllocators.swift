import TCPWire

// RFC 6056 ("Recommendations for Transport-Protocol Port Randomization") §3.3, algorithms 1 to 5.
// bind(0) has no remote endpoint to hash, so the hash-based algorithms (3, 4) fall back to algorithm 1 there.

enum RFC6056 {
    /// Algorithm 1's probe: random start, then +1 with wrap-around until a suitable port (RFC 6056 §3.3.1).
    static func randomStartSequential(
        _ policy: PortPolicy, _ isUsable: (UInt16) -> Bool, _ random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let num = policy.count
        var next = Int(random.next() % UInt64(num))
        for _ in 0..<num {
            if policy.accepts(policy.low + next, isUsable) { return UInt16(policy.low + next) }
            next = next == num - 1 ? 0 : next + 1
        }
        throw .addressNotAvailable
    }
}

/// RFC 6056 §3.3.1, Algorithm 1: Simple Port Randomization.
public struct RFC6056Algorithm1: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy

    /// An allocator over `policy`; it keeps no state between calls.
    public init(policy: PortPolicy) { self.policy = policy }

    /// A random start, then the next port up (wrapping) until one is usable.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try RFC6056.randomStartSequential(policy, isUsable, &random)
    }

    /// The same random-start walk as connect().
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try RFC6056.randomStartSequential(policy, isUsable, &random)
    }
}

/// RFC 6056 §3.3.2, Algorithm 2: Another Simple Port Randomization: a fresh random port at every probe,
/// at most `count` probes (the RFC's `num_ephemeral`), so a nearly full range can fail before it is exhausted.
public struct RFC6056Algorithm2: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy

    /// An allocator over `policy`; it keeps no state between calls.
    public init(policy: PortPolicy) { self.policy = policy }

    /// The same draw as bind(0): the destination plays no part.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try bindPort(local: local, isUsable: isUsable, random: &random)
    }

    /// A fresh random port per probe, at most `count` probes; throws `addressNotAvailable` if none was usable.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let num = policy.count
        for _ in 0..<num {
            let port = policy.low + Int(random.next() % UInt64(num))
            if policy.accepts(port, isUsable) { return UInt16(port) }
        }
        throw .addressNotAvailable
    }
}

/// RFC 6056 §3.3.3, Algorithm 3: Simple Hash-Based: `port = min + (next + F(laddr, raddr, rport)) % num`,
/// with one global `next` incremented at every probe. Sequential for a fixed destination.
public struct RFC6056Algorithm3: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// The key of F(laddr, raddr, rport).
    public let key: SipKey
    /// The global `next_ephemeral`, incremented at every probe.
    public var nextEphemeral: UInt32

    /// An allocator with its key and starting counter drawn from `random`.
    public init(policy: PortPolicy, random: inout SeededRandom) {
        self.policy = policy
        key = SipKey(random: &random)
        nextEphemeral = UInt32(truncatingIfNeeded: random.next())
    }

    /// `min + (next + F(local, remote)) % num`, probing on until a port is usable.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let num = UInt32(policy.count)
        let offset = UInt32(truncatingIfNeeded: key.portHash(local: local, remote: remote))
        for _ in 0..<num {
            let port = policy.low + Int((nextEphemeral &+ offset) % num)
            nextEphemeral &+= 1
            if policy.accepts(port, isUsable) { return UInt16(port) }
        }
        throw .addressNotAvailable
    }

    /// No destination to hash: algorithm 1's random-start walk.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try RFC6056.randomStartSequential(policy, isUsable, &random)
    }
}

/// RFC 6056 §3.3.4, Algorithm 4: Double-Hash: `port = min + (F(...) + table[G(...)]) % num`, the slot incremented
/// at every probe. Linux 5.12 to 5.17 used this with 256 slots; we use the same size.
public struct RFC6056Algorithm4: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// The key of F, the per-destination offset.
    public let offsetKey: SipKey
    /// The key of G, the table index.
    public let indexKey: SipKey
    private var table: [UInt32]
    /// Slots in the table: 256, as in Linux 5.12 to 5.17.
    public static let tableLength = 256

    /// An allocator with its keys and table drawn from `random`.
    public init(policy: PortPolicy, random: inout SeededRandom) {
        self.policy = policy
        offsetKey = SipKey(random: &random)
        indexKey = SipKey(random: &random)
        table = (0..<Self.tableLength).map { _ in UInt32(truncatingIfNeeded: random.next() % 65536) }
    }

    /// `min + (F(...) + table[G(...)]) % num`, incrementing the slot at every probe.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let num = UInt32(policy.count)
        let offset = UInt32(truncatingIfNeeded: offsetKey.portHash(local: local, remote: remote))
        let index = Int(indexKey.portHash(local: local, remote: remote) % UInt64(Self.tableLength))
        for _ in 0..<num {
            let port = policy.low + Int((offset &+ table[index]) % num)
            table[index] &+= 1
            if policy.accepts(port, isUsable) { return UInt16(port) }
        }
        throw .addressNotAvailable
    }

    /// No destination to hash: algorithm 1's random-start walk.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try RFC6056.randomStartSequential(policy, isUsable, &random)
    }
}

/// RFC 6056 §3.3.5, Algorithm 5: Random-Increments: `next += random() % N + 1` at every probe
/// (N = 500, the RFC's example trade-off).
public struct RFC6056Algorithm5: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// N: each probe moves `next` forward by 1 to N.
    public let increment: UInt32
    /// The global `next_ephemeral`, moved forward at every probe.
    public var nextEphemeral: UInt32

    /// An allocator with increments of 1 to `increment` (at least 1) and a random start.
    public init(policy: PortPolicy, increment: UInt32 = 500, random: inout SeededRandom) {
        self.policy = policy
        self.increment = max(1, increment)
        nextEphemeral = UInt32(random.next() % UInt64(policy.count))
    }

    /// The same walk as bind(0): the destination plays no part.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try bindPort(local: local, isUsable: isUsable, random: &random)
    }

    /// Moves `next` forward by a random 1 to N per probe, at most `count` probes.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        let num = UInt32(policy.count)
        for _ in 0..<num {
            nextEphemeral &+= UInt32(random.next() % UInt64(increment)) + 1
            let port = policy.low + Int(nextEphemeral % num)
            if policy.accepts(port, isUsable) { return UInt16(port) }
        }
        throw .addressNotAvailable
    }
}

/// XNU (`in_pcbbind`, `net.inet.tcp.randomize_ports` = 0): one global `lastport` counting up through
/// 49152-65535 (`net.inet.ip.portrange.hifirst`/`hilast`), wrapping to the first port.
public struct XNUPortAllocator: PortAllocator {
    /// The range and reserved ports it picks from.
    public var policy: PortPolicy
    /// The last port handed out; the next call starts just above it.
    public var lastPort: Int

    /// An allocator whose counter starts at a random port of the range.
    public init(policy: PortPolicy, random: inout SeededRandom) {
        self.policy = policy
        lastPort = policy.low + Int(random.next() % UInt64(policy.count))
    }

    /// The same counter as bind(0): the destination plays no part.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try bindPort(local: local, isUsable: isUsable, random: &random)
    }

    /// The port after `lastPort`, wrapping to the range's start, skipping unusable ones.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        for _ in 0..<policy.count {
            lastPort += 1
            if !policy.range.contains(UInt16(clamping: lastPort)) || lastPort > 65535 { lastPort = policy.low }
            if policy.accepts(lastPort, isUsable) { return UInt16(lastPort) }
        }
        throw .addressNotAvailable
    }
}
