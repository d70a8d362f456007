#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard
import Testing

// Port 31151 belongs to this file.

/// deploy/ in this repository, found from this file's path.
private let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy")

private let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
private let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

private func run(_ tool: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    p.currentDirectoryURL = directory
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

/// `selfconnect_...` names used in a text (PromQL expressions), without the histogram suffixes.
private func metricNames(in text: String) -> Set<String> {
    let regex = try! NSRegularExpression(pattern: "selfconnect_[a-z_]+")
    let range = NSRange(text.startIndex..., in: text)
    return Set(regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
        .map { name in
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && name.contains("lifetime") {
                return String(name.dropLast(suffix.count))
            }
            return name
        })
}

@Suite struct DeployTests {
    @Test(.enabled(if: promtool != nil || inCI, "needs promtool (apt-get install prometheus), or CI=true to fail"))
    func alertRulesPassTheirPromtoolUnitTests() throws {
        guard let promtool else {
            Issue.record("promtool is missing under CI=true: .ci/run should have installed Debian's prometheus")
            return
        }
        let dir = deploy.appendingPathComponent("prometheus")
        let check = try run(promtool, ["check", "rules", "selfconnect-rules.yml"], in: dir)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 6 rules found"))
        let tests = try run(promtool, ["test", "rules", "selfconnect-rules.test.yml"], in: dir)
        #expect(tests.status == 0, "\(tests.output)")
        #expect(tests.output.contains("SUCCESS"))
    }

    @Test func everyMetricTheRulesAndTheDashboardUseIsOneTheExporterServes() throws {
        // A self-connect and a listener on a port the kernel picks (so inside the ephemeral range): every labelled
        // family is then in the output.
        let endpoint = SocketEndpoint(.v4(0x7f00_0001), 31151)
        let selfConnected = try TCPSocket(family: AF_INET)
        try selfConnected.setReuseAddress()
        try selfConnected.bind(endpoint)
        #expect(selfConnected.connect(endpoint) == 0)
        let listener = try TCPSocket(family: AF_INET)
        try listener.bind(SocketEndpoint(.v4(0x7f00_0001), 0))
        try listener.listen()
        let r = try CLIRunner.run(["watch", "--once"])
        // Used after the run, so neither socket is closed before it.
        #expect(try selfConnected.isSelfConnected())
        _ = try listener.localEndpoint()
        #expect(r.status == 0)
        let served = Set(r.stdout.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
            .map { String($0.split(separator: " ")[2]) })
        let rules = try String(contentsOf: deploy.appendingPathComponent("prometheus/selfconnect-rules.yml"), encoding: .utf8)
        let dashboard = try String(contentsOf: deploy.appendingPathComponent("grafana/selfconnect.json"), encoding: .utf8)
        let used = metricNames(in: rules).union(metricNames(in: dashboard))
        #expect(used.count >= 7)
        #expect(used.subtracting(served).isEmpty, "used but not served: \(used.subtracting(served).sorted())")
    }

    @Test func theDashboardIsGrafanaJSONWithAQueryInEveryPanel() throws {
        let data = try Data(contentsOf: deploy.appendingPathComponent("grafana/selfconnect.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["uid"] as? String == "selfconnect")
        let panels = try #require(json["panels"] as? [[String: Any]])
        #expect(panels.count == 7)
        for panel in panels {
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty && targets.allSatisfy { ($0["expr"] as? String)?.isEmpty == false },
                    "\(panel["title"] ?? "?")")
        }
    }

    @Test func theDaemonSetGrantsWhatTraceNeeds() throws {
        let text = try String(contentsOf: deploy.appendingPathComponent("kubernetes/daemonset.yaml"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") }
        #expect(lines.contains("kind: DaemonSet"))
        #expect(lines.contains("hostPID: true"))
        #expect(lines.contains("hostNetwork: true"))
        #expect(lines.contains(#"add: ["SYS_ADMIN", "DAC_OVERRIDE", "SYS_PTRACE", "NET_ADMIN"]"#))
        #expect(lines.contains("- { name: tracefs, mountPath: /sys/kernel/tracing }"))
        #expect(lines.contains("hostPath: { path: /sys/kernel/tracing, type: Directory }"))
    }
}
