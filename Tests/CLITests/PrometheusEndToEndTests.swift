#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard
import Testing
import TraceTestSupport

private let prometheusBinary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}
private let rulesFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy/prometheus/selfconnect-rules.yml").path

/// `GET path` on 127.0.0.1:`port`; the body.
private func get(_ port: UInt16, _ path: String) throws -> String {
    let socket = try TCPSocket(family: AF_INET)
    try socket.setReceiveTimeout(milliseconds: 5_000)
    guard socket.connect(SocketEndpoint(.v4(0x7f00_0001), port)) == 0 else {
        throw HostNetError.system(call: "connect", errno: errno)
    }
    try socket.writeAll(Array("GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
    let response = String(decoding: try socket.read(count: 1 << 22), as: UTF8.self)
    return response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
}

/// A free loopback port (bound, then released for the server to take).
private func freePort() throws -> UInt16 {
    let socket = try TCPSocket(family: AF_INET)
    try socket.bind(SocketEndpoint(.v4(0x7f00_0001), 0))
    return try socket.localEndpoint().port
}

/// A namespace of ours joined to the host by a veth pair: host side 10.231.SUBNET.1/30, namespace side .2.
private struct LinkedNamespace {
    let namespace: TestNamespace
    let address: String

    init(_ tag: String, subnet: Int) throws {
        namespace = try TestNamespace(tag)
        let hostSide = "sc\(getpid() % 100_000)\(tag)"
        let inside = "\(hostSide)i"
        address = "10.231.\(subnet).2"
        for arguments in [
            ["link", "add", hostSide, "type", "veth", "peer", "name", inside, "netns", namespace.name],
            ["addr", "add", "10.231.\(subnet).1/30", "dev", hostSide],
            ["link", "set", hostSide, "up"],
            ["-n", namespace.name, "addr", "add", "\(address)/30", "dev", inside],
            ["-n", namespace.name, "link", "set", inside, "up"],
        ] {
            try #require(TestNamespace.ip(arguments), "ip \(arguments.joined(separator: " ")) failed")
        }
    }

    /// Deleting the namespace deletes its end of the pair, and with it the host's end.
    func remove() { namespace.remove() }
}

private func alerts(_ json: String) -> [[String: Any]] {
    let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
    return ((object?["data"] as? [String: Any])?["alerts"] as? [[String: Any]]) ?? []
}

@Suite(.serialized) struct PrometheusEndToEndTests {
    /// Prometheus scrapes two `watch` exporters, each in a namespace of its own; a self-connect that lives under a
    /// millisecond in one of them fires TCPSelfConnectSeen with that exporter's instance and the port, and the
    /// other stays quiet.
    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(2)))
    func aSelfConnectInOneNamespaceFiresAnAlertForThatExporterOnlyOnARealPrometheus() async throws {
        guard TraceRoot.require() else { return }
        guard let prometheusBinary else {
            Issue.record("prometheus is missing: .ci/run installs Debian's prometheus package")
            return
        }
        let subnet = Int(getpid() % 60) * 4
        let loud = try LinkedNamespace("a", subnet: subnet)
        defer { loud.remove() }
        let quiet = try LinkedNamespace("b", subnet: subnet + 1)
        defer { quiet.remove() }
        var exporters: [LineProcess] = []
        defer { for e in exporters { _ = e.stop(SIGKILL) } }
        for side in [loud, quiet] {
            let e = try LineProcess("/usr/bin/env", ["ip", "netns", "exec", side.namespace.name,
                CLIRunner.executable.path, "watch", "--listen", "\(side.address):9464", "--interval", "1s"])
            exporters.append(e)
            try #require(await e.waitAsync(upTo: 20) { e.stderr.contains { $0.contains("tracing self-connects as they form") } },
                         "exporter in \(side.namespace.name): \(e.stderr)")
        }

        let dir = NSTemporaryDirectory() + "selfconnect-prometheus-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = """
            global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms }
            rule_files: ["\(rulesFile)"]
            scrape_configs:
              - job_name: selfconnect
                static_configs:
                  - targets: ["\(loud.address):9464", "\(quiet.address):9464"]
            """
        try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let prometheus = try LineProcess(prometheusBinary, [
            "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"])
        defer { _ = prometheus.stop(SIGTERM) }
        try #require(await prometheus.waitAsync(upTo: 30) { ((try? get(port, "/-/ready")) ?? "").contains("Ready") },
                     "prometheus not ready: \(prometheus.stderr.suffix(5))")
        // Both targets up before the self-connect.
        #expect(await prometheus.waitAsync(upTo: 20) {
            let body = (try? get(port, "/api/v1/query?query=sum(up%7Bjob%3D%22selfconnect%22%7D)")) ?? ""
            return body.contains(#""2"]"#)
        })

        let selfConnect = Process()
        selfConnect.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        selfConnect.arguments = ["ip", "netns", "exec", loud.namespace.name, "python3", "-c", """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", 45123)); s.connect(("127.0.0.1", 45123)); s.close()
            time.sleep(2)  # trace names the namespace from /proc: stay a moment, as a loaded host may lag
            """]
        try selfConnect.run()
        selfConnect.waitUntilExit()
        #expect(selfConnect.terminationStatus == 0)

        var firing: [[String: Any]] = []
        var all: [[String: Any]] = []
        #expect(await prometheus.waitAsync(upTo: 45) {
            all = alerts((try? get(port, "/api/v1/alerts")) ?? "")
            firing = all.filter { ($0["labels"] as? [String: String])?["alertname"] == "TCPSelfConnectSeen"
                && $0["state"] as? String == "firing" }
            return !firing.isEmpty
        }, "alerts: \(all)")
        let labels = firing.compactMap { $0["labels"] as? [String: String] }
        #expect(labels.count == 1)
        #expect(labels.first?["instance"] == "\(loud.address):9464")
        #expect(labels.first?["port"] == "45123")
        #expect(labels.first?["command"] == "python3")
        #expect(all.allSatisfy { ($0["labels"] as? [String: String])?["instance"] != "\(quiet.address):9464" },
                "the quiet namespace raised: \(all)")
        for e in exporters { #expect(e.stop(SIGTERM) == 0) }
        #expect(prometheus.stop(SIGTERM) == 0)
    }
}
