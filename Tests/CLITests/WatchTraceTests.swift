#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard
import Testing
import TraceTestSupport

// Ports: 31150-31159 belong to this file.

/// GET /metrics from a watch on 127.0.0.1:`port`.
private func metrics(port: UInt16) throws -> String {
    let socket = try TCPSocket(family: AF_INET)
    try socket.setReceiveTimeout(milliseconds: 5_000)
    guard socket.connect(SocketEndpoint(.v4(0x7f00_0001), port)) == 0 else {
        throw HostNetError.system(call: "connect", errno: errno)
    }
    try socket.writeAll(Array("GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
    let response = String(decoding: try socket.read(count: 1 << 20), as: UTF8.self)
    return response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
}

/// The port a watch announced on its first stdout line.
private func announcedPort(_ watch: LineProcess) async -> UInt16? {
    guard await watch.waitAsync(upTo: 20, until: { !watch.stdout.isEmpty }), let line = watch.stdout.first,
        let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") })
    else { return nil }
    return url.split(separator: ":").last.flatMap { UInt16($0.split(separator: "/").first ?? "") }
}

/// A self-connect that lives well under a millisecond (bind, connect, close), here or in `namespace`.
private func shortSelfConnect(port: UInt16, in namespace: String? = nil) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = (namespace.map { ["ip", "netns", "exec", $0] } ?? []) + ["python3", "-c", """
        import socket, time
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(port))); s.connect(("127.0.0.1", \(port))); s.close()
        time.sleep(2)  # trace names the namespace from /proc: stay a moment, as a loaded host may lag
        """]
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
}

@Suite(.serialized) struct WatchTraceTests {
    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(1)))
    func watchCountsAShortLivedSelfConnectAsItFormsAndWritesTheTextfile() async throws {
        guard TraceRoot.require() else { return }
        let dir = NSTemporaryDirectory() + "selfconnect-textfile-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let watch = try LineProcess(CLIRunner.executable.path, [
            "watch", "--listen", "127.0.0.1:0", "--interval", "1s", "--textfile", dir])
        defer { _ = watch.stop(SIGKILL) }
        let port = try #require(await announcedPort(watch), "no announcement: \(watch.stderr)")
        #expect(await watch.waitAsync(upTo: 10) { watch.stderr.contains { $0.contains("tracing self-connects as they form") } },
                "\(watch.stderr)")

        try shortSelfConnect(port: 31150)
        let counter = #"selfconnect_self_connects_total{port="31150",command="python3"} 1"#
        var text = ""
        #expect(await watch.waitAsync(upTo: 10) {
            text = (try? metrics(port: port)) ?? ""
            return text.contains(counter)
        }, "\(text)")
        #expect(text.contains("selfconnect_tracing 1"))
        #expect(text.contains(#"selfconnect_self_connect_last_seen_timestamp_seconds{port="31150",command="python3"}"#))
        // At least ours (other tests may self-connect in this namespace too).
        let lifetimes = text.split(separator: "\n").first { $0.hasPrefix("selfconnect_self_connect_lifetime_seconds_count ") }
        #expect(lifetimes.flatMap { Double($0.split(separator: " ")[1]) }.map { $0 >= 1 } == true, "\(text)")
        // The next audit rewrites the textfile with the same families.
        var file = ""
        #expect(await watch.waitAsync(upTo: 10) {
            file = (try? String(contentsOfFile: dir + "/selfconnect.prom", encoding: .utf8)) ?? ""
            return file.contains(counter)
        }, "\(file)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["selfconnect.prom"])
        #expect(watch.stop(SIGTERM) == 0)
        #expect(selfconnectInstances().allSatisfy { !$0.hasPrefix("selfconnect-\(watch.process.processIdentifier)-") })
    }

    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(1)))
    func withTraceAllNamespacesASelfConnectInAnotherNamespaceCountsToo() async throws {
        guard TraceRoot.require() else { return }
        let other = try TestNamespace("watchall")
        defer { other.remove() }
        let watch = try LineProcess(CLIRunner.executable.path, [
            "watch", "--listen", "127.0.0.1:0", "--interval", "1s", "--trace-all-namespaces"])
        defer { _ = watch.stop(SIGKILL) }
        let port = try #require(await announcedPort(watch), "no announcement: \(watch.stderr)")
        #expect(await watch.waitAsync(upTo: 10) { watch.stderr.contains { $0.contains("tracing self-connects as they form") } })
        try shortSelfConnect(port: 31152, in: other.name)
        var text = ""
        #expect(await watch.waitAsync(upTo: 10) {
            text = (try? metrics(port: port)) ?? ""
            if text.contains(#"selfconnect_self_connects_total{port="31152",command="python3"} 1"#) { return true }
            // Every namespace counts, other tests' too: once 50 (port, command) pairs exist, ours goes to "other".
            let series = text.split(separator: "\n").filter { $0.hasPrefix("selfconnect_self_connects_total{") }
            let other = series.first { $0.contains(#"port="other",command="other""#) }
            return series.count >= 50 && other.map { !$0.hasSuffix(" 0") } == true
        }, "\(text)")
        #expect(watch.stop(SIGTERM) == 0)
    }

    @Test(.enabled(if: TraceRoot.runnable, TraceRoot.reason), .timeLimit(.minutes(1)))
    func withoutTracingRightsWatchPollsOnlyAndSaysSoInItsLogAndAMetric() async throws {
        guard TraceRoot.require() else { return }
        let watch = try LineProcess("/usr/bin/env", [
            "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            CLIRunner.executable.path, "watch", "--listen", "127.0.0.1:0", "--interval", "1s"])
        defer { _ = watch.stop(SIGKILL) }
        let port = try #require(await announcedPort(watch), "no announcement: \(watch.stderr)")
        #expect(await watch.waitAsync(upTo: 10) { watch.stderr.contains { $0.contains("polling only, cannot trace") } },
                "\(watch.stderr)")
        let text = try metrics(port: port)
        #expect(text.contains("selfconnect_tracing 0"))
        #expect(text.contains("selfconnect_audits_total"))
        #expect(watch.stop(SIGTERM) == 0)
    }
}
