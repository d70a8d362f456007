#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TCPStack
import TCPWire

/// `selfconnect-bench bulk`: payload throughput between two HostStacks in one process on one thread, over an
/// in-memory link: every packet is emitted to bytes with its checksums computed and parsed back with them
/// verified (`EngineBench.pump`). Both sockets ask for a 4 MiB SO_RCVBUF and a 256 KiB SO_SNDBUF (with
/// `rmem_max`/`wmem_max` raised to allow them); the receiver reads everything after each exchange into a reused
/// 1 MiB buffer (`receive(_:into:now:)`, as read(2) would).
///
/// Baseline: iperf3 over the live kernel's loopback in the same invocation (3 s, one stream; `-M 1460` for MTU
/// 1500). Loopback offers segmentation offload (`gso_max_size` 65536) and skips checksums, so at MSS 1460 the
/// kernel still moves one 64 KiB packet per send, never 1500-byte ones. The in-memory link therefore offers the
/// same offload (`segmentOffloadBytes`, as TUNLink sets it for a TUN device with offloads): `bulk-mtu1500` is the
/// like-for-like figure. `bulk-mtu1500-no-offload` turns the offload off, so every 1500-byte packet is built,
/// checksummed, parsed and verified, and keeps the same baseline: it shows the per-packet cost the kernel avoids.
///
/// Each figure is the median of `runs` rounds (default 3); each round runs our transfer, then iperf3, so both
/// see the same load, and the baseline is the median of the same rounds' iperf3 figures.
/// `SELFCONNECT_BENCH_BULK_BYTES` sets the bytes per transfer (default 2 GiB, 10 s cap; smaller under valgrind),
/// `SELFCONNECT_BENCH_BULK_RUNS` the rounds.
enum BulkBench {
    static let serverAddress = EngineBench.serverAddress
    static let clientAddress = EngineBench.clientAddress
    static let buffer = 4 << 20
    /// SO_SNDBUF (`SELFCONNECT_BENCH_BULK_SNDBUF`, default 256 KiB). Acknowledging is O(1) on the ring, so size
    /// no longer costs per ACK; but the link has no delay, so a few 64 KiB segments in flight keep it busy, and
    /// every byte of buffer beyond that only adds to the memory the copies stream through: interleaved runs gave
    /// 30-45 Gbit/s at MTU 65536 with 256 KiB, 25-42 with 1 MiB, 17-31 with 4 MiB.
    static var sendBuffer: Int {
        ProcessInfo.processInfo.environment["SELFCONNECT_BENCH_BULK_SNDBUF"].flatMap(Int.init) ?? 256 << 10
    }

    static var byteCount: Int {
        ProcessInfo.processInfo.environment["SELFCONNECT_BENCH_BULK_BYTES"].flatMap(Int.init) ?? 2 << 30
    }

    static var runs: Int {
        max(1, ProcessInfo.processInfo.environment["SELFCONNECT_BENCH_BULK_RUNS"].flatMap(Int.init) ?? 3)
    }

    /// The largest segment the link takes whole: an IPv4 packet's 65535 bytes less the largest IP and TCP
    /// headers, as TUNLink's offload frame allows (the engine cuts it to whole MSS pieces).
    static let offloadBytes = 65535 - 20 - 60

    /// One figure: the MTU, and whether the link offers segmentation offload as loopback does.
    struct Setup {
        let name: String
        let mtu: Int
        let offload: Bool
    }

    /// `SELFCONNECT_BENCH_BULK_MTU` picks one MTU (for profiling one path).
    static var setups: [Setup] {
        let all = [Setup(name: "bulk-mtu65536", mtu: 65536, offload: true),
                   Setup(name: "bulk-mtu1500", mtu: 1500, offload: true),
                   Setup(name: "bulk-mtu1500-no-offload", mtu: 1500, offload: false)]
        guard let mtu = ProcessInfo.processInfo.environment["SELFCONNECT_BENCH_BULK_MTU"].flatMap(Int.init) else { return all }
        return all.filter { $0.mtu == mtu }
    }

    static func run() {
        let bytes = byteCount
        for setup in setups {
            var ours: [Double] = []
            var kernel: [Double] = []
            for _ in 0..<runs {
                do {
                    ours.append(try gigabitsPerSecond(mtu: setup.mtu, offload: setup.offload, bytes: bytes))
                } catch {
                    BenchSupport.fail(bench: setup.name, error)
                }
                kernel.append(iperf3Loopback(mss: setup.mtu == 1500 ? 1460 : nil))
            }
            let baseline = kernel.contains(0) ? 0 : BenchSupport.median(kernel)
            let what = baseline > 0
                ? "iperf3 -t 3 on 127.0.0.1\(setup.mtu == 1500 ? " -M 1460" : "") (GSO 64 KiB, no checksums)"
                : "iperf3 not available (baseline 0)"
            func list(_ xs: [Double]) -> String { xs.map { String(format: "%.1f", $0) }.joined(separator: ", ") }
            BenchSupport.emit(bench: setup.name, value: BenchSupport.median(ours), unit: "Gbit/s", baseline: baseline,
                note: "median of \(runs) rounds (ours \(list(ours)); iperf3 \(list(kernel))); up to \(bytes) payload bytes (10 s cap) one way, MTU \(setup.mtu), link offload \(setup.offload ? "\(offloadBytes) bytes" : "off"), SO_RCVBUF \(buffer), SO_SNDBUF \(sendBuffer) between two in-memory stacks, checksums computed and verified, one thread; baseline \(what)")
        }
    }

    static func configuration(mtu: Int, offload: Bool) -> TCPConfiguration {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = mtu
        c.segmentOffloadBytes = offload ? offloadBytes : 0
        c.userBufferMax = buffer
        return c
    }

    /// Sends `bytes` from a client to an accepted server socket (or what 10 s allow); Gbit/s of payload from the
    /// first send to the last byte read.
    static func gigabitsPerSecond(mtu: Int, offload: Bool, bytes: Int) throws -> Double {
        let config = configuration(mtu: mtu, offload: offload)
        var server = HostStack(addresses: [serverAddress], configuration: config, seed: 1)
        var client = HostStack(addresses: [clientAddress], configuration: config, seed: 2)
        server.isTracing = false
        client.isTracing = false
        let (si, ci) = (EngineBench.server, EngineBench.client)
        var loop = DriveLoop(hosts: [server, client], collectsEvents: false)
        let wire = EngineBench.WireBuffer()
        var now = Instant.milliseconds(1_000)
        let listener = loop.hosts[si].socket()
        try loop.hosts[si].setReceiveBufferSize(listener, buffer)
        try loop.hosts[si].setSendBufferSize(listener, sendBuffer)
        try loop.hosts[si].bind(listener, to: Endpoint(serverAddress, 80))
        try loop.hosts[si].listen(listener, backlog: 8)
        let c = loop.hosts[ci].socket()
        try loop.hosts[ci].setReceiveBufferSize(c, buffer)
        try loop.hosts[ci].setSendBufferSize(c, sendBuffer)
        try loop.hosts[ci].connect(c, to: Endpoint(serverAddress, 80), now: now)
        EngineBench.pump(&loop, wire, now: now)
        let s = try loop.hosts[si].accept(listener)
        _ = loop.hosts[si].takeEvents()
        _ = loop.hosts[ci].takeEvents()
        let block = [UInt8](repeating: 0x5a, count: 1 << 20)
        // The application's read buffer, reused: the bytes are copied into it as read(2) would.
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { readBuffer.deallocate() }
        var sent = 0
        var received = 0
        let clock = ContinuousClock()
        let start = clock.now
        while received < bytes {
            now = now + .microseconds(10)
            while sent < bytes {
                let n: Int
                do {
                    n = try loop.hosts[ci].send(
                        c, sent + block.count <= bytes ? block : Array(block[0..<(bytes - sent)]), now: now)
                } catch .wouldBlock {
                    break
                }
                sent += n
            }
            EngineBench.pump(&loop, wire, now: now)
            var progressed = false
            while let n = try? loop.hosts[si].receive(s, into: readBuffer, now: now), n > 0 {
                received += n
                progressed = true
            }
            if !progressed && !loop.withHost(ci, { $0.hasPendingPackets }) && !loop.withHost(si, { $0.hasPendingPackets }) {
                // Nothing moved: let timers run (a lost window update would otherwise stall the loop).
                now = now + .milliseconds(250)
                loop.advance(to: now)
            }
            _ = loop.hosts[si].takeEvents()
            _ = loop.hosts[ci].takeEvents()
            // Bounded: a loaded machine ends the run early rather than late.
            if clock.now - start > .seconds(10) { break }
        }
        guard received > 0 else { throw BulkError.stalled(received) }
        let elapsed = EngineBench.seconds(clock.now - start)
        return Double(received) * 8 / elapsed / 1e9
    }

    /// iperf3 between a one-shot server and a 3-second client on 127.0.0.1 at a random high port; Gbit/s
    /// received, or 0 when iperf3 is missing or fails.
    static func iperf3Loopback(mss: Int?) -> Double {
        guard let iperf3 = ["/usr/bin/iperf3", "/usr/local/bin/iperf3"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else { return 0 }
        let port = String(Int.random(in: 20_000..<30_000))
        let server = Process()
        server.executableURL = URL(fileURLWithPath: iperf3)
        server.arguments = ["-s", "-1", "-B", "127.0.0.1", "-p", port]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        do { try server.run() } catch { return 0 }
        defer {
            if server.isRunning { server.terminate() }
            server.waitUntilExit()
        }
        usleep(300_000)
        var arguments = ["-c", "127.0.0.1", "-p", port, "-t", "3", "-J"]
        if let mss { arguments += ["-M", String(mss)] }
        guard let json = try? BenchSupport.output(iperf3, arguments) else { return 0 }
        return receivedBitsPerSecond(json) / 1e9
    }

    /// `end.sum_received.bits_per_second` of iperf3's JSON report: the first number after that key.
    static func receivedBitsPerSecond(_ json: String) -> Double {
        guard let section = json.range(of: "\"sum_received\""),
              let key = json.range(of: "\"bits_per_second\":", range: section.upperBound..<json.endIndex)
        else { return 0 }
        let number = json[key.upperBound...].drop(while: { $0 == " " || $0 == "\t" }).prefix(while: { "0123456789.eE+-".contains($0) })
        return Double(number) ?? 0
    }

    enum BulkError: Error { case stalled(Int) }
}
