import TCPWire

/// "Can an unbound client retrying connect() to 127.0.0.1:P get P as its source port, and how soon?"
///
/// The retry loop is modelled as it runs: each refused attempt is reset at once (no TIME-WAIT), so between
/// attempts only the background holds ports: ports held by bind() or listeners (`held`), which connect() skips.
/// Connections to other destinations do not count: connect() shares their ports (the 4-tuple stays unique).
public struct OddsQuery: Sendable {
    /// The port side of the system modelled.
    public var ports: PortPersonality
    /// connect() refuses local == remote over IPv4 (the personality's `refusesIPv4SelfConnect`).
    public var refusesIPv4SelfConnect: Bool
    /// Crossing SYNs open the connection (the personality's `simultaneousConnect`).
    public var simultaneousConnect: Bool
    /// P: the port the client connects to, which must come out as its own source port.
    public var target: UInt16
    /// N: the loop's attempt budget for "within N attempts".
    public var attempts: Int
    /// Ports in the range held by bind() or listeners.
    public var held: ReservedPorts
    /// The seed of the Monte Carlo runs.
    public var seed: UInt64
    /// Monte Carlo runs, for allocators without an exact answer.
    public var trials: Int
    /// Runs follow one another on one host (the slot continues after each self-connect), as a measuring loop
    /// restarted in fresh namespaces does: Linux's perturbation table and hash are not per-namespace.
    public var backToBack: Bool
    /// Linux >= 5.18 rehashes every 10 s; at the loop's rate that is this many attempts (nil: never).
    public var attemptsPerShuffle: Int?

    /// A query on `personality`: its port side and its connect() rules. The defaults model Linux 6's 10-second
    /// reshuffle at about 47,000 attempts a second.
    public init(personality: Personality, target: UInt16, attempts: Int = 100_000, held: ReservedPorts = .none,
                seed: UInt64 = 1, trials: Int = 1000, backToBack: Bool = false, attemptsPerShuffle: Int? = 470_000) {
        self.init(ports: personality.ports, target: target, attempts: attempts, held: held, seed: seed,
                  trials: trials, backToBack: backToBack, attemptsPerShuffle: attemptsPerShuffle,
                  refusesIPv4SelfConnect: personality.refusesIPv4SelfConnect,
                  simultaneousConnect: personality.simultaneousConnect)
    }

    /// A query on a port side alone (a bare allocator, `PortPersonality.rfc6056`); the connect() rules default to
    /// those of every system but XNU and linux-hardened: nothing refused, crossing SYNs open.
    public init(ports: PortPersonality, target: UInt16, attempts: Int = 100_000, held: ReservedPorts = .none,
                seed: UInt64 = 1, trials: Int = 1000, backToBack: Bool = false, attemptsPerShuffle: Int? = 470_000,
                refusesIPv4SelfConnect: Bool = false, simultaneousConnect: Bool = true) {
        self.ports = ports
        self.refusesIPv4SelfConnect = refusesIPv4SelfConnect
        self.simultaneousConnect = simultaneousConnect
        self.target = target
        self.attempts = attempts
        self.held = held
        self.seed = seed
        self.trials = trials
        self.backToBack = backToBack
        self.attemptsPerShuffle = attemptsPerShuffle
    }
}

/// The distribution of attempts until self-connect.
public struct Odds: Hashable, Sendable {
    /// P(self-connect within N attempts).
    public var probabilityWithin: Double
    /// nil when self-connect never happens.
    public var meanAttempts: Double?
    /// The median number of attempts until self-connect; nil when self-connect never happens.
    public var medianAttempts: Int?
    /// How the figures were obtained.
    public var method: Method

    /// How odds were computed: exactly from the allocator's structure, or by simulating trials.
    public enum Method: Hashable, Sendable {
        /// Computed from the allocator's structure.
        case exact
        /// Estimated from `trials` seeded runs; `censored` of them did not self-connect within the budget.
        case monteCarlo(trials: Int, seed: UInt64, censored: Int)
    }

    static func never(_ method: Method = .exact) -> Odds {
        Odds(probabilityWithin: 0, meanAttempts: nil, medianAttempts: nil, method: method)
    }
}

/// The answer to an `OddsQuery`: whether the target is reachable at all, and how soon.
public struct OddsReport: Hashable, Sendable {
    /// Whether, and how, connect() can hand out the target port.
    public enum Verdict: String, Hashable, Sendable {
        /// The allocator can hand out P.
        case possible                 // the allocator can hand out P
        /// P is outside the ephemeral range: only bind() can produce this self-connect.
        case outsideRange             // P is not in the ephemeral range: only bind() can produce it
        /// P is in `ip_local_reserved_ports`.
        case reserved                 // P is in ip_local_reserved_ports
        /// Something has bound P: connect() skips it (and reaches that listener instead).
        case heldByBind               // something bound P: connect() skips it (and reaches a listener instead)
        /// The system refuses local == remote at connect() (XNU, IPv4).
        case refusedByConnect         // the system refuses local == remote at connect() (XNU, IPv4)
        /// linux-hardened with `tcp_simult_connect=0`: crossing SYNs are dropped, so no socket reaches itself.
        case simultaneousConnectOff   // crossing SYNs are dropped (linux-hardened tcp_simult_connect=0)
        /// Linux 4.6 and later, P of the other parity: only reached once every port of the preferred parity is held.
        case preferredParityFirst     // Linux >= 4.6, odd P: only once every even port is held
    }

    /// Why the target is (or is not) reachable.
    public var verdict: Verdict
    /// The odds of reaching it under the query's conditions.
    public var odds: Odds
    /// For `preferredParityFirst`: the odds if every port of the preferred parity were held.
    public var oddsIfPreferredParityHeld: Odds?
    /// Ports connect() could hand out to this loop.
    public var usablePorts: Int
}

/// Computes `OddsReport`s for the retry loop of an `OddsQuery`.
public enum SelfConnectOdds {
    /// The verdict and odds for `q`: exact where the allocator's structure allows, else `q.trials` seeded Monte Carlo
    /// runs.
    public static func compute(_ q: OddsQuery) -> OddsReport {
        let p = q.ports
        let usable = usableCount(q, held: q.held)
        func report(_ v: OddsReport.Verdict) -> OddsReport {
            OddsReport(verdict: v, odds: .never(), oddsIfPreferredParityHeld: nil, usablePorts: usable)
        }
        if !p.range.contains(q.target) { return report(.outsideRange) }
        if p.reserved.contains(q.target) { return report(.reserved) }
        if q.held.contains(q.target) { return report(.heldByBind) }
        if q.refusesIPv4SelfConnect { return report(.refusedByConnect) }
        if !q.simultaneousConnect { return report(.simultaneousConnectOff) }

        let lowParity = Int(p.range.lower) & 1
        if p.allocator.prefersLowParityForConnect, Int(q.target) & 1 != lowParity {
            var evensHeld = q.held
            for port in p.range.lower...p.range.upper where Int(port) & 1 == lowParity { evensHeld.insert(port) }
            let conditional = oddsWithPreferredParityHeld(q, held: evensHeld)
            let preferredLeft = usableCount(q, held: q.held) - usableCount(q, held: evensHeld)
            if preferredLeft > 0 {
                return OddsReport(verdict: .preferredParityFirst, odds: .never(),
                                  oddsIfPreferredParityHeld: conditional, usablePorts: usable)
            }
            return OddsReport(verdict: .possible, odds: conditional, oddsIfPreferredParityHeld: nil, usablePorts: usable)
        }
        return OddsReport(verdict: .possible, odds: odds(q, held: q.held), oddsIfPreferredParityHeld: nil,
                          usablePorts: usable)
    }

    /// With every port of the preferred parity held, each connect() scans them all in vain, then walks the
    /// other parity exactly as it walks the preferred one when free. Simulate that walk shifted down by one
    /// port (the same dynamics without the fruitless half-scan per attempt); the sequential models are exact.
    private static func oddsWithPreferredParityHeld(_ q: OddsQuery, held: ReservedPorts) -> Odds {
        guard q.ports.allocator == .linux6, q.target > q.ports.range.lower else {
            return odds(q, held: held)
        }
        var shifted = q
        shifted.target = q.target - 1
        var shiftedHeld = ReservedPorts()
        let p = q.ports
        for port in p.range.lower...p.range.upper where port > p.range.lower {
            if held.contains(port) || p.reserved.contains(port) { shiftedHeld.insert(port - 1) }
        }
        shifted.ports.reserved = .none
        // The shifted walk's other parity (the original preferred one) stays held, as it is.
        for port in p.range.lower...p.range.upper where (port - p.range.lower) & 1 == 1 { shiftedHeld.insert(port) }
        shifted.held = shiftedHeld
        return odds(shifted, held: shiftedHeld)
    }

    private static func usableCount(_ q: OddsQuery, held: ReservedPorts) -> Int {
        let p = q.ports
        return (p.range.lower...p.range.upper).count { !p.reserved.contains($0) && !held.contains($0) }
    }

    private static func odds(_ q: OddsQuery, held: ReservedPorts) -> Odds {
        let p = q.ports
        let usable: (UInt16) -> Bool = { !p.reserved.contains($0) && !held.contains($0) }
        switch p.allocator {
        case .linux310, .xnu, .rfc6056Algorithm3, .rfc6056Algorithm4:
            return sequential(ring: Array(p.range.lower...p.range.upper), usable: usable, q)
        case .linux46:
            let lowParity = p.range.lower & 1
            let preferred = (p.range.lower...p.range.upper).filter { $0 & 1 == lowParity }
            let ring = preferred.contains(where: usable)
                ? preferred : (p.range.lower...p.range.upper).filter { $0 & 1 != lowParity }
            return sequential(ring: ring, usable: usable, q)
        case .rfc6056Algorithm1:
            // Random start, next usable port: P wins when the start falls in the gap before P, or on P.
            var weight = 1
            var port = Int(q.target)
            while true {
                port = port == Int(p.range.lower) ? Int(p.range.upper) : port - 1
                if port == Int(q.target) || usable(UInt16(port)) { break }
                weight += 1
            }
            return geometric(Double(weight) / Double(p.range.count), q.attempts)
        case .rfc6056Algorithm2:
            // Random probes, at most `num`: success lands uniformly on a usable port.
            let r = p.range.count
            let u = (p.range.lower...p.range.upper).count(where: usable)
            let fail = power(1 - Double(u) / Double(r), r)
            return geometric((1 - fail) / Double(u), q.attempts)
        case .linux6, .rfc6056Algorithm5:
            return monteCarlo(q, held: held)
        }
    }

    /// Sequential per destination: the start is uniform over the ring; each attempt takes the next usable port.
    /// Attempts = usable ports from the first one chosen to P, inclusive. Exact.
    static func sequential(ring: [UInt16], usable: (UInt16) -> Bool, _ q: OddsQuery) -> Odds {
        var weights: [Int] = []       // per usable port in ring order: ring positions whose first pick it is
        var targetIndex: Int?
        var gap = 0
        for port in ring {
            gap += 1
            if usable(port) {
                if port == q.target { targetIndex = weights.count }
                weights.append(gap)
                gap = 0
            }
        }
        guard let k = targetIndex, !weights.isEmpty else { return .never() }
        weights[0] += gap             // the ring wraps: trailing unusable ports lead into the first usable one
        let u = weights.count, r = Double(ring.count)
        var cumulative = 0.0, mean = 0.0, within = 0.0
        var median: Int?
        for a in 1...u {
            let prob = Double(weights[((k - (a - 1)) % u + u) % u]) / r
            cumulative += prob
            mean += Double(a) * prob
            if a <= q.attempts { within = cumulative }
            if median == nil, cumulative >= 0.5 { median = a }
        }
        return Odds(probabilityWithin: min(within, 1), meanAttempts: mean, medianAttempts: median ?? u,
                    method: .exact)
    }

    /// Independent attempts, each self-connecting with probability `p`. Exact.
    static func geometric(_ p: Double, _ n: Int) -> Odds {
        guard p > 0 else { return .never() }
        if p >= 1 { return Odds(probabilityWithin: 1, meanAttempts: 1, medianAttempts: 1, method: .exact) }
        // Smallest m with 1 - (1-p)^m >= 1/2, by doubling then bisection (no libm in this module).
        var hi = 1
        while power(1 - p, hi) > 0.5 { hi *= 2 }
        var lo = hi / 2
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if power(1 - p, mid) > 0.5 { lo = mid } else { hi = mid }
        }
        return Odds(probabilityWithin: 1 - power(1 - p, n), meanAttempts: 1 / p, medianAttempts: hi, method: .exact)
    }

    static func power(_ x: Double, _ n: Int) -> Double {
        var result = 1.0, base = x, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }

    /// Runs the real allocator until it hands out P, `trials` times. Seeded: same query, same answer.
    static func monteCarlo(_ q: OddsQuery, held: ReservedPorts) -> Odds {
        var reserved = q.ports.reserved
        for port in q.ports.range.lower...q.ports.range.upper where held.contains(port) {
            reserved.insert(port)
        }
        let policy = PortPolicy(range: q.ports.range, reserved: reserved)
        let local = IPAddress.v4(.loopback), remote = Endpoint(.v4(.loopback), q.target)
        let cap = max(q.attempts, 200 * policy.count)
        var random = SeededRandom(seed: q.seed)
        var results: [Int] = []
        var censored = 0
        let shufflePeriod = q.ports.allocator == .linux6 ? q.attemptsPerShuffle : nil
        var allocator = q.ports.allocator.make(policy: policy, random: &random)
        var untilShuffle = shufflePeriod.map { Int(random.next() % UInt64($0)) }
        for trial in 0..<max(q.trials, 1) {
            if trial > 0, !q.backToBack {
                allocator = q.ports.allocator.make(policy: policy, random: &random)
                untilShuffle = shufflePeriod.map { Int(random.next() % UInt64($0)) }
            }
            var hit: Int?
            for attempt in 1...cap {
                if let left = untilShuffle {
                    // A new 10 s epoch: the destination hashes to a fresh slot and offset.
                    if left == 0, var linux = allocator as? Linux6PortAllocator {
                        linux.shuffleEpoch &+= 1
                        allocator = linux
                    }
                    untilShuffle = left == 0 ? shufflePeriod.map { $0 - 1 } : left - 1
                }
                let port = try? allocator.connectPort(local: local, remote: remote, isUsable: { _ in true },
                                                      random: &random)
                if port == q.target { hit = attempt; break }
            }
            if let hit { results.append(hit) } else { censored += 1; results.append(cap) }
        }
        results.sort()
        let n = Double(results.count)
        let within = Double(results.count { $0 <= q.attempts }) / n
        let mean = Double(results.reduce(0, +)) / n
        let method = Odds.Method.monteCarlo(trials: results.count, seed: q.seed, censored: censored)
        if censored == results.count { return .never(method) }
        return Odds(probabilityWithin: within, meanAttempts: mean, medianAttempts: results[(results.count - 1) / 2],
                    method: method)
    }
}
