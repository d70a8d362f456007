@testable import TCPStack

/// One seeded run: two `TransferPeer`s exchange random streams over two `LossyLink`s until both close or give up.
struct TransferRun {
    enum Outcome: Equatable {
        /// Both streams arrived whole, both FINs were acknowledged.
        case completed
        /// A peer gave up with the error RFC 9293 demands (ETIMEDOUT after its retries).
        case failed(SocketError)
        /// Neither: the simulated-time or event budget ran out. Always a defect.
        case stalled
    }

    let seed: UInt64
    let profile: LinkProfile
    let sizes: (Int, Int)
    var outcome = Outcome.stalled
    /// Each direction's bytes arrived in order and exactly once, compared by SHA-256.
    var digestsMatch = false
    var simulatedTime = Duration.zero
    var packets = 0
    var finalState = ""

    /// Stream sizes: 2^k with k uniform in 0…21, then uniform below it (so 0 B to 2 MiB, most runs small).
    static func streamSize(using rng: inout SeededRandom) -> Int {
        let k = Int.random(in: 0...21, using: &rng)
        return Int.random(in: 0...(1 << k), using: &rng)
    }

    static func randomBytes(_ count: Int, using rng: inout SeededRandom) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var i = 0
            while i < count {
                var word = rng.next()
                for _ in 0..<Swift.min(8, count - i) {
                    raw[i] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    i += 1
                }
            }
        }
        return out
    }

    static func settings(using rng: inout SeededRandom) -> PeerSettings {
        let mss = [536, 1460, 8960, 65483].randomElement(using: &rng)!
        let buffers = [16_384, 65_536, 262_144, 1_048_576]
        let slowReader = Int.random(in: 0..<8, using: &rng) == 0
        return PeerSettings(
            mss: mss, sendBuffer: buffers.randomElement(using: &rng)!,
            receiveBuffer: Swift.max(buffers.randomElement(using: &rng)!, 2 * mss),
            readChunk: slowReader ? 4096 : Int.max, readInterval: slowReader ? .milliseconds(5) : .zero,
            cubic: Bool.random(using: &rng))
    }

    init(seed: UInt64, timeLimit: Duration = .seconds(3600), eventLimit: Int = 5_000_000) {
        self.seed = seed
        var rng = SeededRandom(seed: seed)
        profile = LinkProfile.random(using: &rng)
        let aSettings = Self.settings(using: &rng), bSettings = Self.settings(using: &rng)
        let aData = Self.randomBytes(Self.streamSize(using: &rng), using: &rng)
        let bData = Self.randomBytes(Self.streamSize(using: &rng), using: &rng)
        sizes = (aData.count, bData.count)
        let issA = UInt32.random(in: 0...UInt32.max, using: &rng)
        let issB = UInt32.random(in: 0...UInt32.max, using: &rng)
        var a = TransferPeer(settings: aSettings, outgoing: aData, iss: issA, irs: issB,
                             peerReceiveBuffer: bSettings.receiveBuffer, tsOffset: UInt32.random(in: 0...UInt32.max, using: &rng))
        var b = TransferPeer(settings: bSettings, outgoing: bData, iss: issB, irs: issA,
                             peerReceiveBuffer: aSettings.receiveBuffer, tsOffset: UInt32.random(in: 0...UInt32.max, using: &rng))
        var ab = LossyLink<HarnessSegment>(profile: profile, rng: rng.fork())
        var ba = LossyLink<HarnessSegment>(profile: profile, rng: rng.fork())
        var now = Instant.zero
        let end = Instant.zero + timeLimit
        var events = 0
        func send(_ segs: [HarnessSegment], _ link: inout LossyLink<HarnessSegment>) {
            for s in segs { link.send(s, at: now) }
        }
        while events < eventLimit {
            events += 1
            send(a.poll(at: now), &ab)
            send(b.poll(at: now), &ba)
            while let s = ab.arrival(upTo: now) { send(b.input(s, at: now), &ba) }
            while let s = ba.arrival(upTo: now) { send(a.input(s, at: now), &ab) }
            if let e = a.error ?? b.error {
                outcome = .failed(e)
                break
            }
            if a.isDone && b.isDone {
                outcome = .completed
                break
            }
            guard let next = [a.nextDeadline, b.nextDeadline, ab.nextArrival, ba.nextArrival].compactMap({ $0 }).min(),
                  next <= end
            else { break }
            now = Swift.max(now, next)
        }
        simulatedTime = now - .zero
        finalState = "A: \(a)\nB: \(b)"
        packets = ab.sent + ba.sent
        if outcome == .completed {
            digestsMatch = SHA256.hash(a.received) == SHA256.hash(bData) && SHA256.hash(b.received) == SHA256.hash(aData)
        } else {
            // A peer that gave up may hold only a prefix, but never a wrong or repeated byte.
            digestsMatch = bData.starts(with: a.received) && aData.starts(with: b.received)
        }
    }
}
