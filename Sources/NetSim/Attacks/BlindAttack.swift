import TCPStack
import TCPWire

/// An off-path attacker against an ESTABLISHED connection that moves data both ways (RFC 5961): it knows the
/// 4-tuple but not the sequence numbers, and injects RST, SYN and data segments with random sequence and
/// acknowledgment numbers at either end. Two `HostStack`s on a lossless link with a 1 ms tick; every draw comes
/// from the seed, so a run is reproducible.
public struct BlindAttack: Sendable {
    /// What a run does: the personality of both ends, how many blind segments, how fast, and the seed.
    public struct Options: Sendable {
        /// The personality of both ends.
        public var configuration: TCPConfiguration
        /// Blind segments in all; a third each RST, SYN and data.
        public var segments = 1_000_000
        /// The injection rate, in segments per second of simulated time.
        public var segmentsPerSecond = 100_000
        /// What each application writes per millisecond.
        public var bytesPerMillisecond = 2048
        /// The seed of every random draw: sequence numbers, kinds and payload bytes.
        public var seed: UInt64 = 1

        /// Defaults for everything but the personality.
        public init(configuration: TCPConfiguration) { self.configuration = configuration }
    }

    /// One end's record of the run.
    public struct End: Sendable {
        /// The bytes this end wrote (equal to `receivedByPeer` in an intact run).
        public var sent: [UInt8] = []
        /// The bytes the other end read from this end.
        public var receivedByPeer: [UInt8] = []
        /// Resets and time-outs the application saw, and states it left ESTABLISHED for before its own close.
        public var resets = 0
        /// When this end sent an RFC 5961 challenge ACK (RST §3.2, SYN §4.2, ACK §5.2).
        public var challengeAcks: [Instant] = []
        /// When it sent a duplicate ACK for an out-of-window segment without data or with SYN (RFC 9293
        /// §3.10.7.4; Linux limits these with the challenge ACKs, `tcp_oow_rate_limited`).
        public var limitedDupAcks: [Instant] = []
        /// Duplicate ACKs for out-of-window data segments (not rate limited in Linux or the RFC).
        public var dataDupAcks = 0
    }

    /// The two ends' records: the client first, then the server.
    public private(set) var ends = [End(), End()]
    /// How many blind segments of each kind were injected.
    public private(set) var injected = (rst: 0, syn: 0, data: 0)
    /// Simulated time from the first blind segment to the clean close.
    public private(set) var duration = Duration.zero
    /// Both connections still ESTABLISHED when the attack stopped.
    public private(set) var establishedThroughout = false
    /// Everything written was read at the other end, byte for byte, after a clean close.
    public var intact: Bool { ends.allSatisfy { $0.sent == $0.receivedByPeer } && establishedThroughout }

    private static let addresses: [IPAddress] = [.v4(IPv4Address(10, 0, 0, 1)), .v4(IPv4Address(10, 0, 0, 2))]

    /// Runs the whole attack: handshake, data both ways under attack, then a clean close.
    public init(_ options: Options) {
        var rng = SeededRandom(seed: options.seed)
        // One loop per end: what an end sends leaves its loop (`outbound`) and crosses the wire a tick later.
        var loops = Self.addresses.map {
            DriveLoop(HostStack(addresses: [$0], configuration: options.configuration, seed: rng.next()))
        }
        for i in 0..<2 { loops[i].hosts[0].isTracing = true }
        let serverEndpoint = Endpoint(Self.addresses[1], 80)
        let listener = loops[1].hosts[0].socket()
        var sockets: [SocketID?] = [loops[0].hosts[0].socket(), nil]
        do {
            try loops[1].hosts[0].bind(listener, to: serverEndpoint)
            try loops[1].hosts[0].listen(listener, backlog: 1)
            try loops[0].hosts[0].connect(sockets[0]!, to: serverEndpoint, now: .zero)
        } catch {
            return
        }
        // In flight: what each host sent during the last tick, delivered to the other at the next.
        var wire: [[IPPacket]] = [[], []]
        var now = Instant.zero
        let tick = Duration.milliseconds(1)
        let perTick = max(1, options.segmentsPerSecond / 1000)
        var remaining = options.segments
        var attackStarted = false
        var closing = false
        var closedAt: Instant?

        func drain(_ i: Int) {
            loops[i].now = now
            loops[i].flush()
            wire[i] += loops[i].takeOutbound()
            for t in loops[i].hosts[0].takeTransitions() { classify(t, end: i, now: now) }
            for event in loops[i].takeEvents() {
                switch event {
                case .reset, .timedOut: ends[i].resets += 1
                default: break
                }
            }
        }

        while now < .zero + .seconds(3600) {
            now = now + tick
            for i in 0..<2 {
                loops[i].advance(to: now)
                let arriving = wire[1 - i]
                wire[1 - i] = []
                for p in arriving { loops[i].deliver(p) }
            }
            if sockets[1] == nil { sockets[1] = try? loops[1].hosts[0].accept(listener) }
            for i in 0..<2 { drain(i) }
            guard let a = sockets[0], let b = sockets[1],
                  loops[0].hosts[0].state(of: a) != nil, loops[1].hosts[0].state(of: b) != nil else { continue }
            let ids = [a, b]
            if !attackStarted {
                attackStarted = loops[0].hosts[0].state(of: a) == .established && loops[1].hosts[0].state(of: b) == .established
            }
            // The applications: write while the attack lasts, read always, close once it is over.
            for i in 0..<2 {
                if !closing {
                    let chunk = Self.randomBytes(options.bytesPerMillisecond, &rng)
                    if let n = try? loops[i].hosts[0].send(ids[i], chunk, now: now) { ends[i].sent += chunk[..<n] }
                }
                while let data = try? loops[i].hosts[0].receive(ids[i], now: now), !data.isEmpty {
                    ends[1 - i].receivedByPeer += data
                }
                drain(i)
            }
            if attackStarted, remaining > 0 {
                for _ in 0..<min(perTick, remaining) {
                    remaining -= 1
                    let target = Int.random(in: 0...1, using: &rng)
                    let packet = blindSegment(from: loops[1 - target].hosts[0].localEndpoint(of: ids[1 - target])!,
                                              to: loops[target].hosts[0].localEndpoint(of: ids[target])!, rng: &rng)
                    loops[target].deliver(packet)
                    drain(target)
                }
                if remaining == 0 {
                    establishedThroughout = loops[0].hosts[0].state(of: a) == .established && loops[1].hosts[0].state(of: b) == .established
                    duration = now - .zero
                    closing = true
                    for i in 0..<2 { try? loops[i].hosts[0].shutdown(ids[i], .write, now: now) }
                    for i in 0..<2 { drain(i) }
                }
            }
            if closing {
                let done = (0..<2).allSatisfy { i in
                    switch loops[i].hosts[0].state(of: ids[i]) {
                    case .timeWait?, .closed?, nil: true
                    default: false
                    }
                }
                if done, wire[0].isEmpty, wire[1].isEmpty {
                    closedAt = closedAt ?? now
                    if now - closedAt! > .milliseconds(10) { break }
                }
            }
        }
    }

    private static func randomBytes(_ count: Int, _ rng: inout SeededRandom) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var word: UInt64 = 0
        for i in 0..<count {
            if i & 7 == 0 { word = rng.next() }
            bytes[i] = UInt8(truncatingIfNeeded: word >> (UInt64(i & 7) * 8))
        }
        return bytes
    }

    /// The RFC 5961 §7 rate limits of `configuration` checked against what each end sent.
    public struct ChallengeAckCheck: Sendable {
        /// Challenge ACKs both ends sent.
        public var total = 0
        /// The most challenge ACKs one end sent within one second of the clock.
        public var mostInOneSecond = 0
        /// Duplicate ACKs for out-of-window segments without data or with SYN (the same per-socket limit).
        public var limitedDupAcks = 0
        /// The shortest gap between two rate-limited ACKs of one socket (nil: fewer than two).
        public var shortestGap: Duration?
        /// The personality's per-socket limit (`tcp_invalid_ratelimit`; nil: none).
        public var interval: Duration?
        /// The personality's per-second limit (nil: none).
        public var perSecond: Int?
        /// Both limits held: the per-second count and the per-socket gap.
        public var withinLimits: Bool {
            (perSecond.map { mostInOneSecond <= $0 } ?? true) && (interval.map { i in shortestGap.map { $0 >= i } ?? true } ?? true)
        }
    }

    /// Counts the challenge ACKs each end sent against `configuration`'s limits.
    public func challengeAcks(against configuration: TCPConfiguration) -> ChallengeAckCheck {
        var check = ChallengeAckCheck(interval: configuration.challengeAckInterval,
                                      perSecond: configuration.challengeAckLimitPerSecond)
        for end in ends {
            check.total += end.challengeAcks.count
            check.limitedDupAcks += end.limitedDupAcks.count
            var perSecond: [Int64: Int] = [:]
            for t in end.challengeAcks { perSecond[t.nanoseconds / 1_000_000_000, default: 0] += 1 }
            check.mostInOneSecond = max(check.mostInOneSecond, perSecond.values.max() ?? 0)
            let limited = (end.challengeAcks + end.limitedDupAcks).sorted()
            for (a, b) in zip(limited, limited.dropFirst()) {
                let gap = b - a
                check.shortestGap = min(check.shortestGap ?? gap, gap)
            }
        }
        return check
    }

    /// A segment from `source` to `destination` with random numbers: RST, SYN or ACK with 1-512 data bytes.
    private mutating func blindSegment(from source: Endpoint, to destination: Endpoint, rng: inout SeededRandom)
        -> IPPacket
    {
        let seq = UInt32.random(in: 0...UInt32.max, using: &rng)
        let ack = UInt32.random(in: 0...UInt32.max, using: &rng)
        let flags: TCPFlags
        var payload: [UInt8] = []
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            flags = .rst
            injected.rst += 1
        case 1:
            flags = .syn
            injected.syn += 1
        default:
            flags = [.ack, .psh]
            payload = Self.randomBytes(Int.random(in: 1...512, using: &rng), &rng)
            injected.data += 1
        }
        return IPPacket(from: source.address, to: destination.address, tcp: TCPSegment(
            sourcePort: source.port, destinationPort: destination.port, sequenceNumber: seq,
            acknowledgmentNumber: flags == .rst || flags == .syn ? 0 : ack, flags: flags, window: 65535,
            payload: payload))
    }

    /// Sorts an ACK sent without a state change by the rule that sent it (the engine names it in the transition).
    private mutating func classify(_ t: Transition, end i: Int, now: Instant) {
        guard t.from == t.to, case .segment(let seg) = t.cause else {
            if t.from == .established, t.to != .finWait1, t.to != .closeWait { ends[i].resets += 1 }
            return
        }
        if t.rfc.hasPrefix("RFC 5961") {
            ends[i].challengeAcks.append(now)
        } else if t.rfc == "RFC 9293 §3.10.7.4" {
            if seg.payload.isEmpty || seg.flags.contains(.syn) { ends[i].limitedDupAcks.append(now) } else { ends[i].dataDupAcks += 1 }
        }
    }
}
