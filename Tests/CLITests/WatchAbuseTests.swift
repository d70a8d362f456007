#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Opens a non-blocking TCP connection from 127.0.0.2 to 127.0.0.1:`port`; -1 when no descriptor is left.
/// The attack's tens of thousands of source ports are taken on 127.0.0.2, and only at connect()
/// (IP_BIND_ADDRESS_NO_PORT), so tests that bind fixed ports on 127.0.0.1 meanwhile never find them in use.
private func openConnection(port: UInt16) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return -1 }
    var on: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_IP), 24 /* IP_BIND_ADDRESS_NO_PORT */, &on, socklen_t(MemoryLayout<Int32>.size))
    var source = sockaddr_in()
    source.sin_family = sa_family_t(AF_INET)
    source.sin_addr.s_addr = UInt32(0x7f00_0002).bigEndian
    _ = withUnsafePointer(to: &source) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return fd
}

private func sendSome(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } >= 0
        || errno == EAGAIN || errno == EINPROGRESS || errno == ENOTCONN
}

/// 2,000 slowloris connections (one header byte every 5 s each; a connection the server closed is opened again at
/// its next byte) plus, every 200 ms, garbage, a 100 kB header, a 70 kB path and a POST announcing 999999999
/// bytes, all on one thread until `stop` is set.
private final class Attacker: @unchecked Sendable {
    private let port: UInt16
    private let lock = NSLock()
    private var stopped = false
    private(set) var reopened = 0
    private let thread: Thread

    init(port: UInt16, connections: Int) {
        self.port = port
        let box = Box()
        thread = Thread { box.attacker?.attack(connections: connections) }
        box.attacker = self
        thread.start()
    }

    private final class Box: @unchecked Sendable { weak var attacker: Attacker? }

    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
    private(set) var finished = false

    private func attack(connections: Int) {
        let header = Array("GET /metrics HTTP/1.1\r\nHost: attacker\r\nX-Slow: ".utf8)
        var fds = (0..<connections).map { _ in openConnection(port: port) }
        var sent = [Int](repeating: 0, count: connections)
        let start = Date()
        // Spread the first bytes over 5 s so the trickle is even.
        var due = (0..<connections).map { start.addingTimeInterval(5 * Double($0) / Double(connections)) }
        var transient: [(fd: Int32, closeAt: Date)] = []
        var nextBurst = start
        var generator = SystemRandomNumberGenerator()
        while !isStopped {
            let now = Date()
            for i in 0..<connections where due[i] <= now {
                due[i] = now.addingTimeInterval(5)
                var closed = fds[i] < 0
                if !closed {
                    var probe: UInt8 = 0
                    let n = recv(fds[i], &probe, 1, Int32(MSG_DONTWAIT))
                    closed = n == 0 || (n < 0 && errno != EAGAIN)
                }
                if closed {
                    if fds[i] >= 0 { close(fds[i]) }
                    fds[i] = openConnection(port: port)
                    sent[i] = 0
                    lock.withLock { reopened += 1 }
                    continue
                }
                let byte = sent[i] < header.count ? header[sent[i]] : UInt8(ascii: "a")
                if sendSome(fds[i], [byte]) { sent[i] += 1 }
            }
            if now >= nextBurst {
                nextBurst = now.addingTimeInterval(0.2)
                let garbage = (0..<1024).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let bigHeader = Array(("GET /metrics HTTP/1.1\r\nX-Big: " + String(repeating: "b", count: 100_000)).utf8)
                let bigPath = Array("GET /\(String(repeating: "p", count: 70_000)) HTTP/1.1\r\n\r\n".utf8)
                let post = Array("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999\r\n\r\n".utf8)
                for request in [garbage, bigHeader, bigPath, post] {
                    let fd = openConnection(port: port)
                    guard fd >= 0 else { continue }
                    usleep(1_000)  // let the non-blocking connect finish on loopback
                    _ = sendSome(fd, request)
                    transient.append((fd, now.addingTimeInterval(2)))
                }
            }
            transient.removeAll { entry in
                guard entry.closeAt <= now else { return false }
                close(entry.fd)
                return true
            }
            usleep(10_000)
        }
        for fd in fds where fd >= 0 { close(fd) }
        for entry in transient { close(entry.fd) }
        lock.withLock { finished = true }
    }

    func waitFinished() {
        while !lock.withLock({ finished }) { usleep(10_000) }
    }
}

/// A resident-memory line of /proc/PID/status in kB: VmRSS, or its parts RssAnon (heap, stacks) and RssFile
/// (mapped code and data of the executable and libraries).
private func residentKB(_ pid: Int32, _ field: String = "VmRSS") -> Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}

private func openDescriptors(_ pid: Int32) -> Int { descriptorTargets(pid).count }

/// What each descriptor of `pid` refers to ("socket:[123]", "anon_inode:[eventfd]", ...).
private func descriptorTargets(_ pid: Int32) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    return names.map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "?" }
}

/// The fewest descriptors `pid` holds over 2 s of sampling, after waiting up to 20 s for at most `target` (the
/// audit opens a few while it runs).
private func settledDescriptors(_ pid: Int32, downTo target: Int) -> Int {
    let deadline = Date().addingTimeInterval(20)
    while openDescriptors(pid) > target, Date() < deadline { usleep(100_000) }
    var fewest = Int.max
    for _ in 0..<20 {
        fewest = min(fewest, openDescriptors(pid))
        usleep(100_000)
    }
    return fewest
}

/// One scrape on a fresh blocking connection; the status line and the seconds it took.
private func timedScrape(port: UInt16) -> (status: String, seconds: Double) {
    let start = Date()
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0, sendSome(fd, Array("GET /metrics HTTP/1.1\r\nHost: scraper\r\n\r\n".utf8)) else {
        return ("connect failed: errno \(errno)", Date().timeIntervalSince(start))
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        response += buffer[..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    return (String(text.split(separator: "\r\n", maxSplits: 1).first ?? "no response"), Date().timeIntervalSince(start))
}

/// A long run (under 3 minutes, about 50,000 connections): opt in with WATCH_ABUSE_LONG_RUN=1, as TRANSFER_LONG_RUN
/// does for the lossy-link seeds; .ci/run sets it.
private let longRun = getenv("WATCH_ABUSE_LONG_RUN").map { String(cString: $0) == "1" } ?? false

@Suite struct WatchAbuseTests {
    /// The issue's acceptance run: 2 minutes of slowloris, garbage and oversize requests with the default limits.
    @Test(.enabled(if: longRun, "set WATCH_ABUSE_LONG_RUN=1 for the 3-minute abuse run"))
    func underTwoMinutesOfSlowlorisAndGarbageEveryScrapeIsAnsweredWithinOneSecond() throws {
        // 2,000 attack sockets here, up to --max-connections there: raise the soft descriptor limit (inherited).
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = min(limit.rlim_max, 65536)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #expect(limit.rlim_cur >= 4096)

        let watch = Process()
        watch.executableURL = CLIRunner.executable
        // One audit at start, then none during the run: an audit's working set follows the host's socket table,
        // which the attack itself fills with tens of thousands of TIME_WAIT sockets; this run measures the server.
        watch.arguments = ["watch", "--listen", "127.0.0.1:0", "--interval", "1h"]
        let out = Pipe()
        watch.standardOutput = out
        watch.standardError = FileHandle.nullDevice
        try watch.run()
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        let announced = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let portText = announced.split(separator: "127.0.0.1:").last?.split(separator: "/").first ?? ""
        let port = try #require(UInt16(portText), "announcement: \(announced)")
        let pid = watch.processIdentifier

        #expect(timedScrape(port: port).status == "HTTP/1.1 200 OK")

        // Warm-up: 40 s of the same attack first. The server's working set climbs to a plateau while the
        // connection table first fills to its limit and the event loops' heaps and queues reach their high-water
        // marks (measured: anonymous RSS 5.8 MB after 10 s, 9.6 MB after 40 s, 9.6 MB after 70 s, flat under
        // garbage after that); the baseline is that plateau, and the run shows whether anything grows with time.
        let beforeWarmUp = openDescriptors(pid)
        let warmUp = Attacker(port: port, connections: 2000)
        usleep(40_000_000)
        warmUp.stop()
        warmUp.waitFinished()
        let startFDs = settledDescriptors(pid, downTo: beforeWarmUp + 1)
        let startRSS = residentKB(pid), startTargets = descriptorTargets(pid)
        let startParts = (residentKB(pid, "RssAnon"), residentKB(pid, "RssFile"))

        let attacker = Attacker(port: port, connections: 2000)
        var scrapes: [(status: String, seconds: Double)] = []
        let end = Date().addingTimeInterval(120)
        var peakFDs = 0
        while Date() < end {
            let tick = Date()
            scrapes.append(timedScrape(port: port))
            peakFDs = max(peakFDs, openDescriptors(pid))
            let rest = 0.5 - Date().timeIntervalSince(tick)
            if rest > 0 { usleep(useconds_t(rest * 1_000_000)) }
        }
        attacker.stop()
        attacker.waitFinished()

        // Every connection the attacker held is closed now; the server drops each when it reads the FIN.
        let endFDs = settledDescriptors(pid, downTo: startFDs)
        let endRSS = residentKB(pid)
        let endParts = (residentKB(pid, "RssAnon"), residentKB(pid, "RssFile"))
        let slowest = scrapes.map(\.seconds).max() ?? 0
        let failed = scrapes.filter { $0.status != "HTTP/1.1 200 OK" }
        let slow = scrapes.enumerated().filter { $0.element.seconds >= 1.0 }.map { "#\($0.offset): \($0.element.seconds) s" }
        print("watch abuse: \(scrapes.count) scrapes, slowest \(slowest) s, failed \(failed.count); RSS \(startRSS) -> \(endRSS) kB (anon \(startParts.0) -> \(endParts.0), file \(startParts.1) -> \(endParts.1)); fds \(startFDs) -> peak \(peakFDs) -> \(endFDs); attacker reopened \(attacker.reopened)")

        #expect(scrapes.count >= 200)
        #expect(failed.isEmpty, "\(failed.prefix(5))")
        #expect(slowest < 1.0, "scrapes of 1 s or more: \(slow)")
        #expect(peakFDs > 1000, "the attack held connections open")  // the attack was real
        #expect(Double(endRSS) <= Double(startRSS) * 1.10 && Double(endRSS) >= Double(startRSS) * 0.90,
                "RSS \(startRSS) kB -> \(endRSS) kB")
        #expect(endFDs == startFDs, "before: \(startTargets.sorted()), after: \(descriptorTargets(pid).sorted())")

        kill(pid, SIGTERM)
        watch.waitUntilExit()
        #expect(watch.terminationStatus == 0)
    }
}
