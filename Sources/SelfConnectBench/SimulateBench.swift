import NetSim
import TCPWire

#if canImport(Glibc)
import Glibc
#endif

/// `selfconnect-bench simulate`: refused connect() attempts per second, simulated (the `seed` story with recording
/// off) against this machine's kernel (a bounded loop of real connect() calls to a closed loopback port).
enum SimulateBench {
    static func run() {
        // SELFCONNECT_SIMULATE_RUNS=N: only N seed-scenario runs, no live loop and no timing (fixed work for
        // profiling under callgrind); prints the refused attempts simulated.
        if let text = getenv("SELFCONNECT_SIMULATE_RUNS"), let runs = Int(String(cString: text)) {
            var refused = 0
            for seed in 1...UInt64(max(runs, 1)) {
                refused += simulate(SimulationOptions(personality: personality, seed: seed, record: false))
                    .refusedAttempts
            }
            print("{\"bench\":\"simulate-fixed\",\"runs\":\(runs),\"refused\":\(refused)}")
            return
        }
        let live = liveRefusedPerSecond()
        let simulated = simulatedRefusedPerSecond()
        let ratio = live > 0 ? simulated / live : 0
        print("{\"bench\":\"simulate\",\"value\":\(Int(simulated)),\"unit\":\"refused connects/s (simulated: seed "
            + "scenario, \(personality), recording off; baseline: this kernel, loopback)\",\"baseline\":\(Int(live)),"
            + "\"ratio\":\(Double(Int(ratio * 10)) / 10)}")
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }

    /// The default personality, the article's kernel.
    static let personality = SimulationEngine.personalities[0]

    /// Whole seed-scenario runs (different seeds) until about one second of wall time has passed.
    /// One run; the bench's personality is a catalog name, so an error here is a bug in the bench.
    static func simulate(_ options: SimulationOptions) -> SimulationReport {
        do {
            return try SimulationEngine.run(options)
        } catch {
            print("selfconnect-bench: \(error)")
            exit(2)
        }
    }

    static func simulatedRefusedPerSecond() -> Double {
        let clock = ContinuousClock()
        var refused = 0
        var spent = Duration.zero
        var seed: UInt64 = 1
        while spent < .seconds(1) {
            let options = SimulationOptions(personality: personality, seed: seed, record: false)
            let start = clock.now
            let report = simulate(options)
            spent += clock.now - start
            refused += report.refusedAttempts
            seed += 1
        }
        return Double(refused) / seconds(spent)
    }

    /// Real connect() calls to a loopback port outside the ephemeral range that nothing listens on: at most
    /// 200,000 attempts or one second. Returns 0 when no such port answers with ECONNREFUSED.
    static func liveRefusedPerSecond() -> Double {
        guard let port = ([9, 1, 19_999, 29_999] as [UInt16]).first(where: { refuses($0) }) else { return 0 }
        let clock = ContinuousClock()
        let start = clock.now
        var attempts = 0
        while attempts < 200_000 {
            guard refuses(port) else { break }
            attempts += 1
            if attempts % 1000 == 0, clock.now - start > .seconds(1) { break }
        }
        return Double(attempts) / seconds(clock.now - start)
    }

    /// One blocking connect() to 127.0.0.1:port; true when the kernel refused it.
    static func refuses(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = IPv4Address.loopback.rawValue.bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return rc == -1 && errno == ECONNREFUSED
    }
}
