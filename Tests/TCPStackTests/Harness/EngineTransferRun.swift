import TCPWire
@testable import TCPStack

/// One seeded run of the engine itself: a client and a server `HostStack`, each driven by its own `DriveLoop`
/// (what leaves a loop crosses a `LossyLink`), connect over two `LossyLink`s, each
/// sends a random stream, half-closes with shutdown(write), reads until the peer's FIN, then closes. The seed also
/// picks the personality (linux-6, rfc9293, freebsd), so Linux's and the RFC's send and ACK rules are both driven.
struct EngineTransferRun {
    enum Outcome: Equatable {
        /// Both streams arrived whole, both FINs were acknowledged.
        case completed
        /// A peer gave up with the error RFC 9293 demands (ETIMEDOUT after its retries).
        case failed(SocketError)
        /// Neither: the simulated-time or event budget ran out. Always a defect.
        case stalled
    }

    static let personalities: [TCPConfiguration] = [.linux6, .rfc9293, .freebsd]

    let seed: UInt64
    let profile: LinkProfile
    let sizes: (Int, Int)
    var configuration: String { Self.personalities[Int(seed % 3)].name }
    var outcome = Outcome.stalled
    var digestsMatch = false
    var simulatedTime = Duration.zero
    var packets = 0
    var finalStates: (TCPState?, TCPState?) = (nil, nil)

    private struct Side {
        /// The side's own loop: its outbound packets are the link's to carry. Events stay in the stack (`act`).
        var loop: DriveLoop<HostStack>
        var stack: HostStack {
            _read { yield loop.hosts[0] }
            _modify { yield &loop.hosts[0] }
        }
        var socket: SocketID?
        let outgoing: [UInt8]
        var written = 0
        var received: [UInt8] = []
        var shutDown = false
        var peerClosed = false
        var closed = false
        var error: SocketError?

        /// The application: write what fits, half-close when done, read everything, close after the peer's FIN.
        mutating func act(at now: Instant) {
            guard let s = socket, !closed else { return }
            // Shutting down before the handshake completes would abort it (RFC 9293 §3.10.4, SYN-SENT).
            guard stack.state(of: s)?.isSynchronized == true || error != nil || peerClosed else {
                collectEvents(s)
                return
            }
            if written < outgoing.count, let n = try? stack.send(s, Array(outgoing[written...]), now: now) {
                written += n
            }
            if written == outgoing.count, !shutDown, (try? stack.shutdown(s, .write, now: now)) != nil {
                shutDown = true
            }
            while let data = try? stack.receive(s, now: now), !data.isEmpty { received += data }
            collectEvents(s)
            if peerClosed, shutDown, !closed, (try? stack.receive(s, now: now)) == [] {
                closed = (try? stack.close(s, now: now)) != nil
            }
        }

        mutating func collectEvents(_ s: SocketID) {
            for e in stack.takeEvents() {
                switch e {
                case .peerClosed(s): peerClosed = true
                case .timedOut(s): error = .timedOut
                case .reset(s): error = .connectionReset
                default: break
                }
            }
        }

        var finished: Bool {
            guard let s = socket else { return false }
            guard closed else { return false }
            switch stack.state(of: s) {
            case nil, .closed?, .timeWait?: return true
            default: return false
            }
        }
    }

    /// The budget is simulated time, so it costs nothing while a run waits. Six hours: at 30 % loss each way, a
    /// 16 KiB-MSS (BSD loopback) transfer of 2 MiB can spend an hour in RTOs at the 64 s ceiling, because the ACK
    /// of a duplicate echoes an old TS.Recent and the RTT sample it gives is that old (RFC 7323 §4.3).
    init(seed: UInt64, timeLimit: Duration = .seconds(6 * 3600), eventLimit: Int = 2_000_000) {
        self.seed = seed
        var rng = SeededRandom(seed: seed)
        profile = LinkProfile.random(using: &rng)
        let aData = Self.randomBytes(Self.streamSize(using: &rng), using: &rng)
        let bData = Self.randomBytes(Self.streamSize(using: &rng), using: &rng)
        sizes = (aData.count, bData.count)
        let config = Self.personalities[Int(seed % 3)]
        var client = Side(loop: DriveLoop(host(config, [clientAddress], seed: rng.next()), collectsEvents: false),
            outgoing: aData)
        var server = Side(loop: DriveLoop(host(config, [serverAddress], seed: rng.next()), collectsEvents: false),
            outgoing: bData)
        let listener = server.stack.socket()
        try? server.stack.bind(listener, to: serverEndpoint)
        try? server.stack.listen(listener, backlog: 1)
        let cs = client.stack.socket()
        client.socket = cs
        try? client.stack.connect(cs, to: serverEndpoint, now: .zero)
        var up = LossyLink<IPPacket>(profile: profile, rng: rng.fork())
        var down = LossyLink<IPPacket>(profile: profile, rng: rng.fork())
        var now = Instant.zero
        let end = Instant.zero + timeLimit
        var events = 0
        while events < eventLimit {
            events += 1
            client.loop.advance(to: now)
            server.loop.advance(to: now)
            while let p = up.arrival(upTo: now) { server.loop.deliver(p) }
            while let p = down.arrival(upTo: now) { client.loop.deliver(p) }
            if server.socket == nil, let s = try? server.stack.accept(listener) { server.socket = s }
            client.act(at: now)
            server.act(at: now)
            client.loop.flush()
            server.loop.flush()
            for p in client.loop.takeOutbound() { up.send(p, at: now) }
            for p in server.loop.takeOutbound() { down.send(p, at: now) }
            if let e = client.error ?? server.error {
                outcome = .failed(e)
                break
            }
            if client.finished && server.finished {
                outcome = .completed
                break
            }
            let candidates = [client.loop.nextDeadline, server.loop.nextDeadline, up.nextArrival, down.nextArrival]
            guard let next = candidates.compactMap({ $0 }).min(), next <= end else { break }
            now = Swift.max(now, next)
        }
        simulatedTime = now - .zero
        packets = up.sent + down.sent
        finalStates = (client.socket.flatMap { client.stack.state(of: $0) },
                       server.socket.flatMap { server.stack.state(of: $0) })
        if outcome == .completed {
            digestsMatch = SHA256.hash(client.received) == SHA256.hash(bData)
                && SHA256.hash(server.received) == SHA256.hash(aData)
        } else {
            digestsMatch = bData.starts(with: client.received) && aData.starts(with: server.received)
        }
    }

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
}
