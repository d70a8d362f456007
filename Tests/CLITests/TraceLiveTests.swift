#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TraceTestSupport

// Ports 20000-20799 and 39999-40600 are used inside this file's own namespaces only.
@Suite(.serialized) struct TraceLiveTests {
    /// 1,000 self-connects that live well under a millisecond (bound ones, and unbound retry loops in a narrowed
    /// IP_LOCAL_PORT_RANGE), inside a fresh namespace, while 10,000 ordinary loopback connections run in another:
    /// every self-connect is reported with its pid, port and namespace, and nothing else is called a self-connect.
    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(3)))
    func traceReportsEveryShortLivedSelfConnectWithItsProcessAndNamespaceAndNoFalseOnes() async throws {
        guard TraceRoot.require() else { return }
        let selfNS = try TestNamespace("self")
        defer { selfNS.remove() }
        let busyNS = try TestNamespace("busy")
        defer { busyNS.remove() }
        let trace = try LineProcess(CLIRunner.executable.path, ["trace", "--json", "--duration", "120s"])
        defer { _ = trace.stop(SIGKILL) }
        try #require(await trace.waitAsync(upTo: 20) { trace.stderr.contains { $0.contains("tracing sock:inet_sock_set_state") } },
                     "trace did not start: \(trace.stderr)")

        // `audit` polling every second during the same window, to count what a poll sees.
        let auditSeen = AuditPoller(namespace: selfNS.name)
        auditSeen.start()
        let busy = try LineProcess("/usr/bin/env", [
            "ip", "netns", "exec", busyNS.name, "python3", "-c", ordinaryConnectionsScript, "10000"])
        let maker = try LineProcess("/usr/bin/env", [
            "ip", "netns", "exec", selfNS.name, "python3", "-c", selfConnectScript, "800", "200", "20000", "0.004"])
        #expect(await maker.waitAsync(upTo: 120) { !maker.process.isRunning })
        #expect(await busy.waitAsync(upTo: 120) { !busy.process.isRunning })
        auditSeen.stop()
        #expect(maker.stop() == 0, "self-connect maker: \(maker.stderr.suffix(3))")
        #expect(busy.stop() == 0, "ordinary connections: \(busy.stderr.suffix(3))")
        #expect(busy.stdout == ["DONE 10000"])
        let makerPid = try #require(maker.stdout.first.flatMap { Int($0.split(separator: " ")[1]) })
        let expectedPorts = maker.stdout.dropFirst().compactMap { Int($0.split(separator: " ")[1]) }
        #expect(expectedPorts.count == 1000)

        let selfInode = selfNS.inode, busyInode = busyNS.inode
        func reports() -> [[String: Any]] { jsonLines(trace.stdout) }
        func mine(_ kind: String, _ inode: UInt64) -> [[String: Any]] {
            reports().filter { $0["event"] as? String == kind && ($0["netns"] as? NSNumber)?.uint64Value == inode }
        }
        _ = await trace.waitAsync(upTo: 20) { mine("self-connect", selfInode).count >= 1000 }
        let status = trace.stop(SIGINT)
        #expect(status == 1, "trace exits 1 after reporting self-connects")
        #expect(!trace.stderr.contains { $0.contains("dropped") }, "\(trace.stderr)")

        let found = mine("self-connect", selfInode)
        #expect(found.count == 1000)
        let ports = found.compactMap { ($0["local"] as? [String: Any])?["port"] as? Int }
        #expect(ports.sorted() == expectedPorts.sorted())
        #expect(found.allSatisfy { $0["pid"] as? Int == makerPid }, "every report names the maker's pid \(makerPid)")
        #expect(found.allSatisfy { $0["netns_name"] as? String == selfNS.name })
        #expect(found.allSatisfy { ($0["remote"] as? [String: Any])?["port"] as? Int
            == ($0["local"] as? [String: Any])?["port"] as? Int })
        #expect(found.allSatisfy { ($0["cmdline"] as? String)?.hasSuffix(" 800 200 20000 0.004") == true })
        #expect(Set(found.compactMap { $0["family"] as? Int }) == [4, 6])
        // No false alarm: nothing from the busy namespace, and nothing else from ours.
        #expect(mine("self-connect", busyInode).isEmpty)
        #expect(mine("simultaneous-open", busyInode).isEmpty)
        #expect(mine("simultaneous-open", selfInode).isEmpty)
        print("trace: \(found.count) of 1000 self-connects reported; audit polling every 1 s saw \(auditSeen.seenLive) "
            + "alive and \(auditSeen.seen) in any state (TIME_WAIT included) in \(auditSeen.polls) polls")
        #expect(auditSeen.polls >= 1)
        #expect(selfconnectInstances().allSatisfy { !$0.hasPrefix("selfconnect-\(trace.process.processIdentifier)-") })
    }

    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(1)))
    func afterASIGKILLTheNextTraceRemovesTheStaleInstanceAndLeavesNoInstanceOrDescriptor() async throws {
        guard TraceRoot.require() else { return }
        let killed = try LineProcess(CLIRunner.executable.path, ["trace", "--duration", "60s"])
        try #require(await killed.waitAsync(upTo: 20) { killed.stderr.contains { $0.contains("tracing") } })
        let prefix = "selfconnect-\(killed.process.processIdentifier)-"
        #expect(killed.stop(SIGKILL) == SIGKILL)
        // A SIGKILLed run leaves its instance, unless a trace or watch that another test started meanwhile has
        // already removed it (the same cleanup); either way no start after the kill lets it survive.
        let left = selfconnectInstances().filter { $0.hasPrefix(prefix) }
        #expect(left.count <= 1)

        let next = try CLIRunner.run(["trace", "--duration", "500ms"])
        // 0, or 1 if some process on this host self-connected in that half second (the tracepoint is global).
        #expect(next.status == 0 || next.status == 1, "\(next.stderr)")
        if let stale = left.first, selfconnectInstances().contains(stale) || next.stderr.contains(stale) {
            #expect(next.stderr.contains("removed stale instance \(stale) (its process is gone)"), "\(next.stderr)")
        }
        #expect(selfconnectInstances().filter { $0.hasPrefix(prefix) }.isEmpty)
        // Every descriptor into one of our instances is held by that instance's own (live) process.
        let strays = tracefsDescriptors().filter { entry in
            let pid = entry.split(separator: ":")[0]
            return !entry.contains("/instances/selfconnect-\(pid)-") || entry.contains(prefix)
        }
        #expect(strays.isEmpty, "descriptors into another process's instance: \(strays)")
    }

    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(1)), arguments: [SIGINT, SIGTERM])
    func aSignalEndsTraceCleanlyAndRemovesItsInstance(signal: Int32) async throws {
        guard TraceRoot.require() else { return }
        let trace = try LineProcess(CLIRunner.executable.path, ["trace", "--json"])
        defer { _ = trace.stop(SIGKILL) }
        try #require(await trace.waitAsync(upTo: 20) { trace.stderr.contains { $0.contains("tracing") } })
        let prefix = "selfconnect-\(trace.process.processIdentifier)-"
        #expect(selfconnectInstances().contains { $0.hasPrefix(prefix) })
        let status = trace.stop(signal)
        #expect(trace.process.terminationReason == .exit, "ended by the signal instead of exiting")
        // 0, or 1 if some process on this host self-connected meanwhile (the tracepoint is global).
        #expect(status == 0 || status == 1)
        #expect(!selfconnectInstances().contains { $0.hasPrefix(prefix) })
    }

    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason))
    func withoutRightsTraceSaysWhyInOneLineAndExits2() async throws {
        guard TraceRoot.require() else { return }
        let r = try CLIRunner.run(["trace", "--duration", "1s"], asUser: 65534)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("needs root"))
        #expect(r.stdout.isEmpty)
    }

    @Test(arguments: [["trace", "--count", "0"], ["trace", "--duration", "soon"], ["trace", "--bogus"]])
    func aBadTraceArgumentIsOneLineAndExit2(arguments: [String]) async throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(selfconnectInstances().filter { $0.hasPrefix("selfconnect-\(getpid())-") }.isEmpty)
    }
}

/// Descriptors any process holds open into one of our tracefs instances.
func tracefsDescriptors() -> [String] {
    var found: [String] = []
    for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(pid) != nil {
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                target.contains("/instances/selfconnect-")
            {
                found.append("\(pid): \(target)")
            }
        }
    }
    return found
}

/// Runs `selfconnect audit --all-namespaces --json` once a second and counts the self-connects it finds in one
/// namespace (distinct ports).
final class AuditPoller: @unchecked Sendable {
    private let namespace: String
    private let lock = NSLock()
    private var ports: Set<Int> = []
    private var livePorts: Set<Int> = []
    private var count = 0
    private var running = true
    private var thread: Thread?

    init(namespace: String) { self.namespace = namespace }

    /// Distinct self-connected ports seen in any state (TIME_WAIT remnants included), and in a live state.
    var seen: Int { lock.withLock { ports.count } }
    var seenLive: Int { lock.withLock { livePorts.count } }
    var polls: Int { lock.withLock { count } }

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let started = Date()
                if let r = try? CLIRunner.run(["audit", "--all-namespaces", "--json"]),
                    let json = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
                    let findings = json["findings"] as? [[String: Any]]
                {
                    let found = findings.filter {
                        $0["kind"] as? String == "self-connect" && $0["namespace"] as? String == "netns \(namespace)"
                    }
                    func port(_ f: [String: Any]) -> Int? { (f["local"] as? [String: Any])?["port"] as? Int }
                    lock.withLock {
                        ports.formUnion(found.compactMap(port))
                        livePorts.formUnion(found.filter { $0["state"] as? String != "TIME_WAIT" }.compactMap(port))
                        count += 1
                    }
                }
                let left = 1 - Date().timeIntervalSince(started)
                if left > 0 { usleep(UInt32(left * 1e6)) }
            }
        }
        thread.start()
        self.thread = thread
    }

    func stop() {
        lock.withLock { running = false }
        while thread?.isFinished == false { usleep(20_000) }
    }
}
