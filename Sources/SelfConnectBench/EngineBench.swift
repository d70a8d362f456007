#if canImport(Glibc)
import Glibc
#endif
import TCPStack
import TCPWire

/// `selfconnect-bench engine`: the sans-IO engine against the live kernel.
/// - refused connect round trips (SYN -> R. -> ECONNREFUSED, every packet emitted to bytes with checksums and
///   parsed back with checksum verification) between two in-memory stacks;
/// - connection cycles (connect, accept, close both sides, TIME-WAIT expiry);
/// - baseline: real connect() calls to a closed loopback port, measured in the same run (bounded count and time,
///   at most 5 x 20,000 attempts or 5 x 0.5 s).
/// Tracing is off in the engine runs: transitions are a debugging aid, not part of the data path.
enum EngineBench {
    static let serverAddress = IPAddress.v4(IPv4Address(10, 0, 0, 1))
    static let clientAddress = IPAddress.v4(IPv4Address(10, 0, 0, 2))

    /// Rounds alternate the kernel and the engine so that both see the same machine load; each figure is the
    /// best of its rounds (the machine is shared, and interference only ever slows a run down).
    static func run() { run(rounds: 5) }

    /// `engine-refused`: one fixed run of 20,000 wire round trips, then a short kernel baseline, for profiling:
    /// `valgrind --tool=callgrind --toggle-collect='*profiledRefusedRun*'` counts only the engine run (divide by
    /// 20,000 for instructions per round trip).
    static func runRefusedOnly() {
        let refused = profiledRefusedRun()
        let kernel = kernelRefusedConnectsPerSecond(maxAttempts: 2_000, maxSeconds: 0.2)
        printLine("engine-refused-connect", refused, "round trips/s (SYN, R., ECONNREFUSED; emit+parse+checksum)",
            baseline: kernel)
    }

    @inline(never) static func profiledRefusedRun() -> Double {
        refusedRoundTripsPerSecond(count: 20_000, wire: true)
    }

    static func run(rounds: Int) {
        var kernel = 0.0, refused = 0.0, engineOnly = 0.0, cycles = 0.0
        for _ in 0..<rounds {
            kernel = max(kernel, kernelRefusedConnectsPerSecond(maxAttempts: 20_000, maxSeconds: 0.5))
            refused = max(refused, refusedRoundTripsPerSecond(count: 100_000, wire: true))
            engineOnly = max(engineOnly, refusedRoundTripsPerSecond(count: 100_000, wire: false))
            cycles = max(cycles, openCloseCyclesPerSecond(count: 20_000))
        }
        printLine("engine-refused-connect", refused, "round trips/s (SYN, R., ECONNREFUSED; emit+parse+checksum)",
            baseline: kernel)
        printLine("engine-refused-connect-no-wire", engineOnly, "round trips/s (SYN, R., ECONNREFUSED; packets as values)",
            baseline: kernel)
        printLine("engine-open-close", cycles, "cycles/s (connect, accept, data-free close both sides)",
            baseline: kernel)
    }

    /// The server is host 0 of the loops below, the client host 1.
    static let server = 0, client = 1

    /// Moves packets between the loop's stacks until all are quiet, at `now`; `wire` round-trips each through bytes.
    static func pump(_ loop: inout DriveLoop<HostStack>, _ wire: WireBuffer?, now: Instant) {
        loop.now = now
        guard let wire else {
            loop.flush()
            return
        }
        loop.flush { packet in
            // Emit with checksums, then parse back verifying them; the parsed packet is what is delivered. The sent
            // packet lives until the next one is parsed: freed at once, its send-queue chunk could be the last view
            // of it, and glibc would give the pages back (and fault them in again).
            if packet.tcp.payload.isEmpty {
                // Nothing to view: through one reused scratch buffer.
                let n = packet.write(to: wire.scratch, checksums: .fill)
                guard let parsed = try? IPPacket(
                    parsing: UnsafeRawBufferPointer(rebasing: wire.scratch[0..<n]), verifyChecksums: true)
                else { return false }
                swap(&wire.sent.pointee, &packet)
                packet = parsed
                return true
            }
            // Into a frame, as a network card would receive it: the parsed payload is a view into the frame. Frames
            // are reused once the receiver has let go of them (it copies in-order data into its receive buffer).
            // Frames are taken round-robin, so that those a batch of packets still holds are free again when
            // their turn comes; one still viewed by a packet the receiver holds (or too small) is replaced, and the
            // old one lives on.
            let slot = wire.next
            wire.next = (slot + 1) % WireBuffer.frameCount
            let count = packet.encodedLength
            if !isKnownUniquelyReferenced(&wire.frames[slot]) || wire.frames[slot].capacity < count {
                wire.frames[slot] = PayloadBuffer(capacity: max(count, 2048))
            }
            let frame = wire.frames[slot]
            frame.reset(claimed: count)
            _ = packet.write(to: UnsafeMutableRawBufferPointer(start: frame.bytes, count: count), checksums: .fill)
            guard let parsed = try? IPPacket(parsing: frame, count: count, verifyChecksums: true) else { return false }
            swap(&wire.sent.pointee, &packet)
            packet = parsed
            return true
        }
    }

    /// The wire between the stacks: frames reused round-robin, a scratch buffer for packets without data, and the
    /// last packet emitted.
    final class WireBuffer {
        static let frameCount = 64
        /// Behind a pointer, like `sent`: no exclusivity or copy-on-write check per packet.
        let frames: UnsafeMutablePointer<PayloadBuffer> = {
            let p = UnsafeMutablePointer<PayloadBuffer>.allocate(capacity: WireBuffer.frameCount)
            for i in 0..<WireBuffer.frameCount { (p + i).initialize(to: PayloadBuffer(capacity: 2048)) }
            return p
        }()
        var next = 0
        /// Packets without data (any header fits).
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        /// The last packet emitted, kept until the next one (see `pump`); behind a pointer, so that swapping it
        /// takes no exclusivity check.
        let sent: UnsafeMutablePointer<IPPacket> = {
            let p = UnsafeMutablePointer<IPPacket>.allocate(capacity: 1)
            p.initialize(to: IPPacket(from: EngineBench.clientAddress, to: EngineBench.serverAddress,
                tcp: TCPSegment(sourcePort: 0, destinationPort: 0, sequenceNumber: 0, flags: [], window: 0)))
            return p
        }()
        deinit {
            scratch.deallocate()
            frames.deinitialize(count: WireBuffer.frameCount)
            frames.deallocate()
            sent.deinitialize(count: 1)
            sent.deallocate()
        }
    }

    /// A server (host 0) and a client (host 1), tracing off.
    static func stacks() -> DriveLoop<HostStack> {
        var server = HostStack(addresses: [serverAddress], configuration: .linux6, seed: 1)
        var client = HostStack(addresses: [clientAddress], configuration: .linux6, seed: 2)
        server.isTracing = false
        client.isTracing = false
        return DriveLoop(hosts: [server, client])
    }

    static func refusedRoundTripsPerSecond(count: Int, wire: Bool) -> Double {
        var loop = stacks()
        let bytes = wire ? WireBuffer() : nil
        var now = Instant.milliseconds(1_000)
        var refused = 0
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count {
            now = Instant(nanoseconds: now.nanoseconds + 10_000)
            let s = loop.hosts[client].socket()
            do {
                try loop.hosts[client].connect(s, to: Endpoint(serverAddress, 81), now: now)
                pump(&loop, bytes, now: now)
                // The user learns of the refusal twice: the event, and SO_ERROR.
                var notified = false
                while let event = loop.events.popLast() { notified = notified || event == .refused(s) }
                if notified && loop.withHost(client, { $0.error(of: s) }) == .connectionRefused { refused += 1 }
                try loop.hosts[client].close(s, now: now)
            } catch {
                break
            }
        }
        let elapsed = clock.now - start
        return refused == count ? Double(count) / seconds(elapsed) : 0
    }

    static func openCloseCyclesPerSecond(count: Int) -> Double {
        var loop = stacks()
        var now = Instant.milliseconds(1_000)
        var completed = 0
        do {
            let listener = loop.hosts[server].socket()
            try loop.hosts[server].bind(listener, to: Endpoint(serverAddress, 80))
            try loop.hosts[server].listen(listener, backlog: 128)
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<count {
                let c = loop.hosts[client].socket()
                try loop.hosts[client].connect(c, to: Endpoint(serverAddress, 80), now: now)
                pump(&loop, nil, now: now)
                let a = try loop.hosts[server].accept(listener)
                try loop.hosts[client].close(c, now: now)
                pump(&loop, nil, now: now)
                try loop.hosts[server].close(a, now: now)
                pump(&loop, nil, now: now)
                // The client's TIME-WAIT runs out.
                now = now + .seconds(61)
                loop.advance(to: now)
                loop.events.removeAll(keepingCapacity: true)
                if loop.withHost(client, { $0.liveCount }) == 0 && loop.withHost(server, { $0.liveCount }) == 1 { completed += 1 }
            }
            let elapsed = clock.now - start
            return completed == count ? Double(count) / seconds(elapsed) : 0
        } catch {
            return 0
        }
    }

    /// Real connect() calls to a closed port below the ephemeral range (so none can self-connect).
    static func kernelRefusedConnectsPerSecond(maxAttempts: Int, maxSeconds: Double) -> Double {
        #if canImport(Glibc)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        func attempt(port: UInt16) -> Bool {
            addr.sin_port = port.bigEndian
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { Glibc.close(fd) }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            return rc == -1 && errno == ECONNREFUSED
        }
        guard let port = ([1, 9, 13, 17, 19] as [UInt16]).first(where: attempt) else { return 0 }
        let clock = ContinuousClock()
        let start = clock.now
        let limit = Duration.milliseconds(Int64(maxSeconds * 1000))
        var done = 0
        while done < maxAttempts && clock.now - start < limit {
            guard attempt(port: port) else { return 0 }
            done += 1
        }
        return Double(done) / seconds(clock.now - start)
        #else
        return 0
        #endif
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }

    static func printLine(_ bench: String, _ value: Double, _ unit: String, baseline: Double) {
        let ratio = baseline > 0 ? value / baseline : 0
        print(#"{"bench":"\#(bench)","value":\#(Int(value.rounded())),"unit":"\#(unit)","baseline":\#(Int(baseline.rounded())),"ratio":\#((ratio * 10).rounded() / 10)}"#)
    }
}
