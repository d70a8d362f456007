#if canImport(Glibc)
import LiveKernelGate
import Glibc
#endif
import HostNet
import SelfConnectGuard
import SelfConnectWatch
import Testing

// Ports: 31210-31219 belong to this file.

/// `GET path` over a plain socket; returns the status line and the body.
func httpGet(_ server: SocketEndpoint, _ path: String, method: String = "GET") throws -> (status: String, body: String) {
    let socket = try TCPSocket(family: server.family)
    try socket.setReceiveTimeout(milliseconds: 5_000)
    guard socket.connect(server) == 0 else { throw HostNetError.system(call: "connect", errno: errno) }
    try socket.writeAll(Array("\(method) \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8))
    let response = String(decoding: try socket.read(count: 1 << 20), as: UTF8.self)
    // "\r\n" is one Character in Swift, so split on the string.
    let status = response.split(separator: "\r\n", maxSplits: 1).first ?? ""
    let parts = response.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
    let body = parts.count == 2 ? String(parts[1]) : ""
    return (String(status), body)
}

/// A socket connected to itself on 127.0.0.1:`port` (bound to the port it connects to).
func selfConnectedSocket(port: UInt16) throws -> TCPSocket {
    let socket = try TCPSocket(family: AF_INET)
    try socket.setReuseAddress()
    let endpoint = SocketEndpoint(.v4(0x7f00_0001), port)
    try socket.bind(endpoint)
    guard socket.connect(endpoint) == 0 else { throw HostNetError.system(call: "connect", errno: errno) }
    return socket
}

/// Scrapes every 50 ms until `condition` holds, at most `polls` times and at most 5 minutes; returns the last
/// samples. The bound counts polls, not only wall time: when a loaded test run starves the concurrency pool, a
/// wall-clock budget alone can be spent in one stall before the audit loop has had a turn.
func scrape(_ server: SocketEndpoint, polls: Int = 400, until condition: ([Sample]) -> Bool) async throws
    -> [Sample]
{
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(300))
    var last = samples(try httpGet(server, "/metrics").body)
    var left = polls
    while !condition(last), left > 0, clock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
        last = samples(try httpGet(server, "/metrics").body)
        left -= 1
    }
    return last
}

@Suite struct WatchLiveTests {
    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func scrapedGaugeShowsTheSelfConnectAndFallsToZeroOnTheNextIntervalAfterClose() async throws {
        guard LiveKernel.require() else { return }
        let metrics = AuditMetrics()
        let server = try await MetricsHTTPServer.start(
            at: SocketEndpoint(.v4(0x7f00_0001), 0), registry: metrics.registry)
        #expect(server.endpoint.port != 0)
        let loop = Task { await Watch.run(metrics: metrics, interval: .milliseconds(200)) }
        defer { loop.cancel() }

        let established = ["port": "31210", "state": "ESTABLISHED"]
        let name = "selfconnect_self_connected_sockets"
        let audits = "selfconnect_audits_total"
        func attempts(_ samples: [Sample]) -> Double {
            (samples.value(audits) ?? 0) + (samples.value("selfconnect_audit_failures_total") ?? 0)
        }
        let auditsBeforeOpen = attempts(samples(try httpGet(server.endpoint, "/metrics").body))
        var socket: TCPSocket? = try selfConnectedSocket(port: 31210)
        // Wait for the gauge or for the second audit after the open, the first one certain to have started after it.
        let seen = try await scrape(server.endpoint) {
            $0.value(name, established) == 1 || attempts($0) >= auditsBeforeOpen + 2
        }
        #expect(
            seen.value(name, established) == 1,
            "audits \(seen.value(audits) ?? -1), failed \(seen.value("selfconnect_audit_failures_total") ?? -1)")
        #expect(seen.value("selfconnect_self_connects_seen_total").map { $0 >= 1 } == true)

        socket = nil  // close(2); the self-connection moves on to TIME_WAIT
        _ = consume socket
        let auditsAtClose = try #require(samples(try httpGet(server.endpoint, "/metrics").body)
            .value(audits))
        // An audit that started before the close may still see the socket; the one after it cannot.
        let after = try await scrape(server.endpoint) { ($0.value(audits) ?? 0) >= auditsAtClose + 2 }
        #expect((after.value(audits) ?? 0) >= auditsAtClose + 2)
        #expect(after.value(name, established) == 0)
        #expect(after.value(name, ["port": "31210", "state": "TIME_WAIT"]) == 1)

        loop.cancel()
        await loop.value
        await server.close()
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func theServerAnswersOnlyMetricsAndOnlyGetAndHead() async throws {
        guard LiveKernel.require() else { return }
        let metrics = AuditMetrics()
        let server = try await MetricsHTTPServer.start(
            at: SocketEndpoint(.v6(high: 0, low: 1), 0), registry: metrics.registry)
        #expect(try httpGet(server.endpoint, "/metrics").status == "HTTP/1.1 200 OK")
        #expect(try httpGet(server.endpoint, "/").status == "HTTP/1.1 404 Not Found")
        #expect(try httpGet(server.endpoint, "/metrics", method: "POST").status == "HTTP/1.1 405 Method Not Allowed")
        let head = try httpGet(server.endpoint, "/metrics", method: "HEAD")
        #expect(head.status == "HTTP/1.1 200 OK")
        #expect(head.body.isEmpty)
        await server.close()
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func aPortAlreadyInUseIsNamedInTheError() async throws {
        guard LiveKernel.require() else { return }
        let holder = try TCPSocket(family: AF_INET)
        let endpoint = SocketEndpoint(.v4(0x7f00_0001), 31211)
        try holder.bind(endpoint)
        try holder.listen()
        let error = await #expect(throws: WatchError.self) {
            _ = try await MetricsHTTPServer.start(at: endpoint, registry: AuditMetrics().registry)
        }
        #expect(error?.description == "cannot listen on 127.0.0.1:31211: port 31211 is already in use")
    }
}
