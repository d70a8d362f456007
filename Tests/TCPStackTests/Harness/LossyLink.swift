@testable import TCPStack

/// How an in-memory link misbehaves, all drawn from one seeded generator.
struct LinkProfile: Sendable, CustomStringConvertible {
    var loss: Double
    var duplicate: Double
    /// Probability that a packet is held back by one to four extra delays, letting later ones overtake it.
    var reorder: Double
    var delay: Duration
    var jitter: Duration

    /// Loss 0–30 %, duplication 0–10 %, reordering 0–20 %, delay 0.1–20 ms, jitter up to the delay.
    static func random(using rng: inout SeededRandom) -> LinkProfile {
        let delayUs = Int64.random(in: 100...20_000, using: &rng)
        return LinkProfile(
            loss: Double.random(in: 0...0.30, using: &rng),
            duplicate: Double.random(in: 0...0.10, using: &rng),
            reorder: Double.random(in: 0...0.20, using: &rng),
            delay: .microseconds(delayUs),
            jitter: .microseconds(Int64.random(in: 0...delayUs, using: &rng)))
    }

    var description: String {
        "loss \(Int(loss * 100))% dup \(Int(duplicate * 100))% reorder \(Int(reorder * 100))% delay \(delay) jitter \(jitter)"
    }
}

/// One direction of an in-memory link: packets come out at their arrival instants, in arrival order.
struct LossyLink<Packet> {
    let profile: LinkProfile
    private var rng: SeededRandom
    /// Pending arrivals, sorted by (instant, serial) so equal instants keep sending order.
    private var pending: [(at: Instant, serial: Int, packet: Packet)] = []
    private var serial = 0
    private(set) var sent = 0
    private(set) var dropped = 0
    private(set) var duplicated = 0

    init(profile: LinkProfile, rng: SeededRandom) {
        self.profile = profile
        self.rng = rng
    }

    mutating func send(_ packet: Packet, at now: Instant) {
        sent += 1
        if Double.random(in: 0..<1, using: &rng) < profile.loss {
            dropped += 1
            return
        }
        enqueue(packet, at: now)
        if Double.random(in: 0..<1, using: &rng) < profile.duplicate {
            duplicated += 1
            enqueue(packet, at: now)
        }
    }

    private mutating func enqueue(_ packet: Packet, at now: Instant) {
        var delay = profile.delay.nanosecondsValue
        let jitter = profile.jitter.nanosecondsValue
        if jitter > 0 { delay += Int64.random(in: 0...jitter, using: &rng) }
        if Double.random(in: 0..<1, using: &rng) < profile.reorder {
            delay += profile.delay.nanosecondsValue * Int64.random(in: 1...4, using: &rng)
        }
        let at = Instant(nanoseconds: now.nanoseconds + delay)
        serial += 1
        var lo = 0, hi = pending.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pending[mid].at <= at { lo = mid + 1 } else { hi = mid }
        }
        pending.insert((at, serial, packet), at: lo)
    }

    var nextArrival: Instant? { pending.first?.at }

    /// The next packet due at or before `now`.
    mutating func arrival(upTo now: Instant) -> Packet? {
        guard let first = pending.first, first.at <= now else { return nil }
        return pending.removeFirst().packet
    }
}
