#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard

/// `selfconnect-bench trace`: what `selfconnect trace` costs and how soon it speaks.
///
/// - `trace-refused-connect`: the kernel's refused-connect loop with `selfconnect trace --json` running, against
///   the same loop without it; `trace-exact-owners-refused-connect` the same with `--exact-owners`, where each
///   attempt is a CLOSE -> SYN_SENT record that passes the filter. Rounds come in pairs (without, with; ABBA
///   order, 0.2 s each) and the ratio is the median of the pairs' ratios, so both sides of a pair see the same
///   machine load. Needs root.
/// - `trace-control-refused-connect`: the same procedure with an idle `sleep` child in place of trace, so the reader
///   can tell the cost from the machine's noise.
/// - `trace-latency-p50` / `-p99`: from the kernel's record (its CLOCK_MONOTONIC stamp) to the JSON line read
///   from trace's stdout, over 200 self-connects 5 ms apart; baseline 0.
enum TraceBench {
    static func run() {
        let exe = BenchSupport.executableDirectory + "/selfconnect"
        guard geteuid() == 0 else { BenchSupport.fail(bench: "trace", HostNetError.unsupported("needs root")) }
        // `swift run selfconnect-bench` builds only the bench; the traced program is the CLI beside it.
        guard access(exe, X_OK) == 0 else {
            BenchSupport.fail(bench: "trace", HostNetError.unsupported(
                "\(exe) is missing: build it first (swift build -c release --product selfconnect)"))
        }
        // Pairs of rounds, one without trace and one with it, in ABBA order so drift cancels; each pair gives a
        // ratio, and the figure is their median: on a shared machine the load moves between pairs more than within.
        func loop() -> Double { EngineBench.kernelRefusedConnectsPerSecond(maxAttempts: 10_000_000, maxSeconds: 0.2) }
        func withTrace(_ extra: [String]) -> Double {
            if extra == ["control"] {
                // The same procedure with an idle child instead of trace: what starting a process costs the round.
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/bin/sleep")
                child.arguments = ["30"]
                do { try child.run() } catch { BenchSupport.fail(bench: "trace", error) }
                defer {
                    child.terminate()
                    child.waitUntilExit()
                }
                usleep(100_000)
                return loop()
            }
            let tracer: TracerProcess
            do { tracer = try TracerProcess(exe, extra) } catch { BenchSupport.fail(bench: "trace", error) }
            defer { tracer.stop() }
            // Let the child finish starting (it announces itself just before its first poll) so the round measures
            // trace running, not a process starting.
            usleep(100_000)
            return loop()
        }
        for (name, extra, pairs, note) in [
            ("trace-refused-connect", [String](), 30, "refused connect() loop with selfconnect trace running vs without"),
            ("trace-exact-owners-refused-connect", ["--exact-owners"], 6,
             "the same with trace --exact-owners (one record per connect())"),
            ("trace-control-refused-connect", ["control"], 30,
             "control: the same procedure with an idle child (sleep) instead of trace; its distance from 1 is the noise"),
        ] {
            var without: [Double] = [], ratios: [Double] = []
            for pair in 0..<pairs {
                let a: Double, b: Double
                if pair % 2 == 0 {
                    a = loop()
                    b = withTrace(extra)
                } else {
                    b = withTrace(extra)
                    a = loop()
                }
                without.append(a)
                if a > 0 { ratios.append(b / a) }
            }
            let base = BenchSupport.median(without)
            BenchSupport.emit(bench: name, value: base * BenchSupport.median(ratios), unit: "connects/s", baseline: base,
                              note: "\(note); median of \(pairs) ABBA pairs of 0.2 s rounds; value = baseline x median pair ratio")
        }

        let tracer: TracerProcess
        do { tracer = try TracerProcess(exe) } catch { BenchSupport.fail(bench: "trace", error) }
        // In a namespace of our own, so the 200 TIME_WAIT remnants do not land in the host's socket table.
        let name = "scbench-trace-\(getpid())"
        var sent: Set<UInt16> = []
        do {
            try BenchSupport.run("/usr/bin/env", ["ip", "netns", "add", name])
            defer { _ = try? BenchSupport.run("/usr/bin/env", ["ip", "netns", "delete", name]) }
            try BenchSupport.run("/usr/bin/env", ["ip", "-n", name, "link", "set", "lo", "up"])
            let namespace = NetworkNamespaceRef(inode: 0, path: "/run/netns/\(name)")
            var port: UInt16 = 21_000
            var tries = 0
            while sent.count < 200 && tries < 1_000 {
                tries += 1
                port &+= 1
                let made = (try? NetworkNamespaces.inside(namespace) { () throws(HostNetError) in selfConnect(port: port) })
                if made == true { sent.insert(port) }
                usleep(5_000)
            }
        } catch {
            tracer.stop()
            BenchSupport.fail(bench: "trace", error)
        }
        _ = tracer.waitFor(sent.count, seconds: 5)
        tracer.stop()
        let latencies = tracer.latencies(for: sent).sorted()
        guard latencies.count == sent.count, !latencies.isEmpty else {
            BenchSupport.fail(bench: "trace", HostNetError.unsupported(
                "trace reported \(latencies.count) of \(sent.count) self-connects"))
        }
        let p99 = latencies[min(latencies.count - 1, Int((Double(latencies.count) * 0.99).rounded(.up)) - 1)]
        BenchSupport.emit(bench: "trace-latency-p50", value: latencies[latencies.count / 2] * 1e6, unit: "us",
                          baseline: 0, note: "kernel record to JSON line read from trace's stdout, \(latencies.count) self-connects")
        BenchSupport.emit(bench: "trace-latency-p99", value: p99 * 1e6, unit: "us", baseline: 0,
                          note: "kernel record to JSON line read from trace's stdout, \(latencies.count) self-connects")
    }

    /// bind(127.0.0.1:port), connect to it, close.
    static func selfConnect(port: UInt16) -> Bool {
        guard let socket = try? TCPSocket(family: AF_INET) else { return false }
        let here = SocketEndpoint(.v4(0x7f00_0001), port)
        guard (try? socket.bind(here)) != nil else { return false }
        return socket.connect(here) == 0
    }
}

/// `selfconnect trace --json` as a child; its stdout lines are stamped with CLOCK_MONOTONIC as they arrive.
final class TracerProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private let reader: Thread

    init(_ exe: String, _ extra: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["trace", "--json", "--duration", "120s"] + extra
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Started once it announces its instance on stderr.
        _ = err.fileHandleForReading.availableData
        let handle = out.fileHandleForReading
        let clock = MonotonicClock()
        let box = LinesBox()
        reader = Thread { [lock] in
            var partial = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                let now = clock.now()
                partial.append(chunk)
                while let nl = partial.firstIndex(of: 10) {
                    let line = String(decoding: partial[partial.startIndex..<nl], as: UTF8.self)
                    partial.removeSubrange(partial.startIndex...nl)
                    lock.withLock { box.lines.append((line, now)) }
                }
            }
        }
        self.box = box
        reader.start()
    }

    private let box: LinesBox
    final class LinesBox: @unchecked Sendable { var lines: [(text: String, at: Double)] = [] }

    func waitFor(_ count: Int, seconds: Double) -> Bool {
        let clock = MonotonicClock()
        let end = clock.now() + seconds
        while clock.now() < end {
            if lock.withLock({ box.lines.count }) >= count { return true }
            usleep(10_000)
        }
        return false
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        process.waitUntilExit()
        while !reader.isFinished { usleep(5_000) }
    }

    /// Seconds from each reported self-connect on one of `ports` (ours) to its line's arrival.
    func latencies(for ports: Set<UInt16>) -> [Double] {
        lock.withLock { box.lines }.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.text.utf8)) as? [String: Any],
                object["event"] as? String == "self-connect", object["pid"] as? Int == Int(getpid()),
                let port = (object["local"] as? [String: Any])?["port"] as? Int, ports.contains(UInt16(port)),
                let kernel = object["kernel_time"] as? Double
            else { return nil }
            return line.at - kernel
        }
    }
}
