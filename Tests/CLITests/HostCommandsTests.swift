#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard
import Testing

/// Root gate for the live-kernel CLI tests: fail under CI=true, skip with the reason elsewhere.
private enum Root {
    static let isRoot = geteuid() == 0
    static let runnable = isRoot || ProcessInfo.processInfo.environment["CI"] == "true"
    static let reason: Comment = "needs root on the live kernel (run as root, or set CI=true to make this a failure)"

    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if isRoot { return true }
        Issue.record("needs root on the live kernel (CI=true): not running as root", sourceLocation: sourceLocation)
        return false
    }
}

private func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any])
}

// Ports: 31101-31119 and 42120-42129 belong to this file.
@Suite struct ReproCLITests {
    @Test(arguments: [("127.0.0.1", "31101"), ("::1", "31102")])
    func reproBindSelfConnectsInOneAttempt(host: String, port: String) throws {
        let r = try CLIRunner.run(["repro", "--bind", "--host", host, "--port", port, "--json"])
        #expect(r.status == 0)
        let json = try jsonObject(r.stdout)
        #expect(json["result"] as? String == "self-connected")
        #expect(json["attempts"] as? Int == 1)
        let endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        #expect(json["local"] as? String == endpoint)
        #expect(json["remote"] as? String == endpoint)
        #expect(json["echoed"] as? String == json["wrote"] as? String)
    }

    @Test(.enabled(if: Root.runnable, Root.reason))
    func captureShowsTheSelfConnectHandshakeOnLoopback() throws {
        guard Root.require() else { return }
        let r = try CLIRunner.run(["repro", "--bind", "--port", "31103", "--capture", "--json"])
        #expect(r.status == 0)
        let lines = try #require(try jsonObject(r.stdout)["capture"] as? [String])
        // SYN, SYN-ACK with the same ISN, ACK, data, its ACK, FIN, last ACK: tcpdump's seven lines for this flow.
        #expect(lines.count == 7)
        #expect(lines.allSatisfy { $0.contains("IP 127.0.0.1.31103 > 127.0.0.1.31103: Flags [") })
        #expect(lines.map { $0.split(separator: "[")[1].split(separator: "]")[0] } == ["S", "S.", ".", "P.", ".", "F.", "."])
        // Simultaneous open: the SYN-ACK reuses the SYN's own sequence number.
        func seq(_ line: String) -> Substring? { line.split(separator: ", ").first { $0.hasPrefix("seq ") } }
        #expect(seq(lines[0]) != nil && seq(lines[0]) == seq(lines[1]))
        #expect(lines[3].contains("seq 1:14, ack 1"))  // "selfconnect\r\n", relative numbers as tcpdump prints
    }

    @Test func theNaturalLoopInANarrowPortRangeReachesItsOwnEvenPort() throws {
        let r = try CLIRunner.run(["repro", "--port", "42110", "--port-range", "42104-42116", "--timeout", "20", "--json"])
        #expect(r.status == 0)
        let json = try jsonObject(r.stdout)
        #expect(json["mode"] as? String == "natural")
        #expect(json["local"] as? String == "127.0.0.1:42110")
        #expect(json["last_source_port"] as? Int == 42110)
        let attempts = try #require(json["attempts"] as? Int)
        #expect(attempts >= 1 && attempts <= 200_000)
    }

    @Test func anOddPortWithExplicitMaxAttemptsRunsAndExitsOneWhenNotReached() throws {
        let refused = try CLIRunner.run(["repro", "--port", "42131"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("port 42131 is odd"))
        let r = try CLIRunner.run(["repro", "--port", "42131", "--max-attempts", "5", "--json"])
        #expect(r.status == 1)
        let json = try jsonObject(r.stdout)
        #expect(json["result"] as? String == "not-reached")
        #expect(json["attempts"] as? Int == 5)
        #expect(json["reason"] as? String == "attempt limit 5 reached")
        // Linux >= 4.6 hands out even ports first: the host model gives an odd port no chance in 5 attempts.
        let predicted = try #require(json["predicted"] as? [String: Any])
        #expect(predicted["probability_within"] as? Double == 0)
    }

    @Test func aListenedPortIsRefusedNamingTheListener() throws {
        let listener = try TCPSocket(family: AF_INET)
        try listener.bind(SocketEndpoint(.v4(0x7f00_0001), 42122))
        try listener.listen()
        let r = try CLIRunner.run(["repro", "--port", "42122"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("port 42122 is listened on by pid \(getpid())"))
    }

    @Test(arguments: [
        ["repro", "--port", "0"],
        ["repro", "--port", "70000"],
        ["repro", "--host", "192.0.2.1"],
        ["repro", "--timeout=-1"],
        ["repro", "--timeout", "-1"],
        ["repro", "--host", "localhost"],
    ])
    func badInputIsOneLineAndExitTwo(arguments: [String]) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.hasPrefix("selfconnect: "))
    }

    @Test func negativeTimeoutNamesTheRangeNotAMissingValue() throws {
        let r = try CLIRunner.run(["repro", "--timeout", "-1"])
        #expect(r.status == 2)
        #expect(r.stderr == "selfconnect: --timeout must be a positive number of seconds, got -1.0\n")
    }
}

@Suite struct AuditCLITests {
    @Test func auditReportsOurSelfConnectAndListenerAndExitsOne() throws {
        let selfEndpoint = SocketEndpoint(.v4(0x7f00_0001), 31120)
        let selfConnected = try TCPSocket(family: AF_INET)
        try selfConnected.setReuseAddress()
        try selfConnected.bind(selfEndpoint)
        #expect(selfConnected.connect(selfEndpoint) == 0)
        let listener = try TCPSocket(family: AF_INET)
        try listener.bind(SocketEndpoint(.v4(0x7f00_0001), 42121))
        try listener.listen()

        let r = try CLIRunner.run(["audit", "--json"])
        #expect(r.status == 1)
        let json = try jsonObject(r.stdout)
        #expect(json["version"] as? Int == 1)
        let findings = try #require(json["findings"] as? [[String: Any]])
        func port(_ f: [String: Any], _ side: String) -> Int? { (f[side] as? [String: Any])?["port"] as? Int }
        func pids(_ f: [String: Any]) -> [Int32] { (f["owners"] as? [[String: Any]] ?? []).compactMap { ($0["pid"] as? Int).map(Int32.init) } }
        let selfFinding = try #require(findings.first { $0["kind"] as? String == "self-connect" && port($0, "local") == 31120 })
        #expect(port(selfFinding, "remote") == 31120)
        #expect(selfFinding["state"] as? String == "ESTABLISHED")
        #expect(pids(selfFinding) == [getpid()])
        let listenFinding = try #require(findings.first {
            $0["kind"] as? String == "listener-in-ephemeral-range" && port($0, "local") == 42121
        })
        #expect(pids(listenFinding) == [getpid()])
        #expect((listenFinding["fix"] as? String)?.hasPrefix("sysctl -w net.ipv4.ip_local_reserved_ports=") == true)
    }

    @Test(.enabled(if: Root.runnable, Root.reason))
    func auditOfAFreshNetworkNamespaceIsCleanAndExitsZero() throws {
        guard Root.require() else { return }
        let unshare = "/usr/bin/unshare"
        guard FileManager.default.isExecutableFile(atPath: unshare) else {
            Issue.record("\(unshare) (util-linux) is missing")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unshare)
        process.arguments = ["--net", CLIRunner.executable.path, "audit", "--json"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let json = try jsonObject(String(decoding: data, as: UTF8.self))
        #expect(json["source"] as? String == "sock_diag")
        #expect(json["sockets"] as? Int == 0)
        #expect((json["findings"] as? [Any])?.isEmpty == true)
    }
}
