import TCPStack
import TCPWire

#if canImport(Glibc)
import Glibc
#endif

/// `selfconnect-bench ports`: connect() port allocations per second for each allocator over the default
/// Linux range with half of its ports held (chosen at random, seeded), every allocation released at once as a
/// refused connect() is. Baseline: the live kernel's rate of refused connect() + close() on loopback.
enum PortsBench {
    static func run() {
        let kernel = kernelConnectRate()
        let range = try! PortRange(lower: 32768, upper: 60999)
        var random = SeededRandom(seed: 42)
        var held = ReservedPorts()
        for port in range.lower...range.upper where random.next() & 1 == 0 { held.insert(port) }
        for kind in AllocatorKind.allCases {
            var allocator = kind.make(policy: PortPolicy(range: range), random: &random)
            let rate = measure { n in
                var sink = 0
                for i in 0..<n {
                    // Destinations vary so hash-based allocators hash every time, as for real traffic.
                    let remote = Endpoint(.v4(.loopback), UInt16(1000 + i % 4096))
                    if let p = try? allocator.connectPort(local: .v4(.loopback), remote: remote,
                                                          isUsable: { !held.contains($0) }, random: &random) {
                        sink &+= Int(p)
                    }
                }
                return sink
            }
            emit("ports.\(kind.name)", rate, kernel)
        }
    }

    /// Runs `body` with growing batch sizes until a batch takes at least 0.3 s; returns operations per second.
    static func measure(_ body: (Int) -> Int) -> Double {
        let clock = ContinuousClock()
        var n = 1000
        while true {
            var sink = 0
            let elapsed = clock.measure { sink = body(n) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if seconds >= 0.3 || n >= 1 << 28 {
                if sink == -1 { print("") }    // keeps the work observable
                return Double(n) / seconds
            }
            n *= 4
        }
    }

    static func emit(_ name: String, _ value: Double, _ baseline: (rate: Double?, reason: String?)) {
        let v = Int(value.rounded())
        if let b = baseline.rate {
            let ratio = Double(Int(value / b * 100)) / 100
            print("{\"bench\":\"\(name)\",\"value\":\(v),\"unit\":\"allocations/s\",\"baseline\":\(Int(b.rounded())),\"ratio\":\(ratio)}")
        } else {
            print("{\"bench\":\"\(name)\",\"value\":\(v),\"unit\":\"allocations/s\",\"baseline\":null,\"ratio\":null,"
                + "\"baseline_reason\":\"\(baseline.reason ?? "unavailable")\"}")
        }
    }

    /// Refused connect() + close() per second against a loopback port that is bound but not listening
    /// (so nothing can accept, and connect() cannot pick it). Bounded: 0.5 s.
    static func kernelConnectRate() -> (rate: Double?, reason: String?) {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard holder >= 0 else { return (nil, "socket() failed: errno \(errno)") }
        defer { close(holder) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
                bind(holder, p, len) == 0 && getsockname(holder, p, &len) == 0
            }
        }
        guard bound else { return (nil, "bind() failed: errno \(errno)") }
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < .milliseconds(500) {
            for _ in 0..<256 {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { return (nil, "socket() failed: errno \(errno)") }
                let r = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) }
                }
                let refused = r != 0 && errno == ECONNREFUSED
                close(fd)
                guard refused else { return (nil, "connect() to a bound, non-listening port was not refused") }
                count += 1
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (Double(count) / seconds, nil)
    }
}
