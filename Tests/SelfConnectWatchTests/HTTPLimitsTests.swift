#if canImport(Glibc)
import Glibc
#endif
import HostNet
import SelfConnectGuard
import SelfConnectWatch
import Testing

/// A connected client socket that has sent `request`; reads the whole answer until the server closes.
private struct Exchange {
    var response: String
    /// Seconds from the last byte sent to the server's close.
    var closedAfter: Double
    var status: String { String(response.split(separator: "\r\n", maxSplits: 1).first ?? "") }
}

private func send(_ request: [UInt8], to server: SocketEndpoint) throws -> Exchange {
    let socket = try TCPSocket(family: server.family)
    try socket.setReceiveTimeout(milliseconds: 10_000)
    guard socket.connect(server) == 0 else { throw HostNetError.system(call: "connect", errno: errno) }
    try socket.writeAll(request)
    let clock = ContinuousClock()
    let start = clock.now
    let response = String(decoding: try socket.read(count: 1 << 20), as: UTF8.self)
    let elapsed = start.duration(to: clock.now)
    return Exchange(response: response, closedAfter: Double(elapsed.components.seconds)
        + Double(elapsed.components.attoseconds) / 1e18)
}

private func start(_ limits: HTTPLimits) async throws -> MetricsHTTPServer {
    try await MetricsHTTPServer.start(at: SocketEndpoint(.v4(0x7f00_0001), 0), registry: AuditMetrics().registry,
                                      limits: limits)
}

@Suite struct HTTPLimitsTests {
    @Test func aPostAnnouncingAHugeBodyIsAnswered413AtOnceAndClosed() async throws {
        let server = try await start(HTTPLimits())
        let r = try send(Array("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n".utf8),
                         to: server.endpoint)
        #expect(r.status == "HTTP/1.1 413 Payload Too Large")
        #expect(r.closedAfter < 1)
        await server.close()
    }

    @Test func aChunkedBodyIsRefusedAtItsHeadToo() async throws {
        let server = try await start(HTTPLimits())
        let r = try send(Array("POST /metrics HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8),
                         to: server.endpoint)
        #expect(r.status == "HTTP/1.1 413 Payload Too Large")
        #expect(r.closedAfter < 1)
        await server.close()
    }

    @Test func headersBeyondTheLimitAreAnswered431AndClosed() async throws {
        var limits = HTTPLimits()
        limits.maxHeaderBytes = 1024
        let server = try await start(limits)
        // No blank line: the head never ends, so only the size limit can answer.
        let request = "GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 2000) + "\r\n"
        let r = try send(Array(request.utf8), to: server.endpoint)
        #expect(r.status == "HTTP/1.1 431 Request Header Fields Too Large")
        #expect(r.closedAfter < 1)
        // Within the limit, the same server answers.
        let ok = try send(Array("GET /metrics HTTP/1.1\r\nX-Pad: \(String(repeating: "a", count: 900))\r\n\r\n".utf8),
                          to: server.endpoint)
        #expect(ok.status == "HTTP/1.1 200 OK")
        await server.close()
    }

    @Test func aPathBeyondTheLimitIsAnswered414() async throws {
        var limits = HTTPLimits()
        limits.maxPathBytes = 64
        let server = try await start(limits)
        let r = try send(Array("GET /metrics?\(String(repeating: "x", count: 100)) HTTP/1.1\r\n\r\n".utf8),
                         to: server.endpoint)
        #expect(r.status == "HTTP/1.1 414 URI Too Long")
        let ok = try send(Array("GET /metrics?\(String(repeating: "x", count: 40)) HTTP/1.1\r\n\r\n".utf8),
                          to: server.endpoint)
        #expect(ok.status == "HTTP/1.1 200 OK")
        await server.close()
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        var limits = HTTPLimits()
        limits.idleTimeout = .milliseconds(300)
        let server = try await start(limits)
        let r = try send([], to: server.endpoint)
        #expect(r.response.isEmpty)
        #expect(r.closedAfter >= 0.25 && r.closedAfter < 3)
        await server.close()
    }

    @Test func aSlowlorisTricklingBytesIsClosedAtTheHeaderTimeout() async throws {
        var limits = HTTPLimits()
        limits.headerTimeout = .milliseconds(600)
        limits.idleTimeout = .seconds(60)  // only the header deadline can end this connection
        let server = try await start(limits)
        let socket = try TCPSocket(family: AF_INET)
        #expect(socket.connect(server.endpoint) == 0)
        let clock = ContinuousClock()
        let start = clock.now
        let trickle = Array("GET /metrics HTTP/1.1\r\nX-Slow: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 60)
        var sent = 0
        var closed = false
        // One byte every 100 ms: the head never completes within the 6 s the trickle takes.
        for byte in trickle {
            var p = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 0) > 0 {  // readable with nothing asked: the server's FIN
                closed = true
                break
            }
            guard (try? socket.writeAll([byte])) != nil else {
                closed = true
                break
            }
            sent += 1
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(closed, "the server closed the connection before the trickle ended")
        #expect(start.duration(to: clock.now) >= .milliseconds(550))
        #expect(sent < trickle.count)
        #expect(((try? socket.read(count: 1)) ?? []) == [])  // closed (FIN or reset), no answer
        await server.close()
    }

    @Test func atTheConnectionLimitANewClientIsServedAndTheOldestIdleOneClosed() async throws {
        var limits = HTTPLimits()
        limits.maxConnections = 3
        // Only the connection limit is under test: timeouts long enough that a test task resumed late (other tests
        // may hold the cooperative threads for a while on a 2-core machine) still finds its idle clients open.
        limits.idleTimeout = .seconds(600)
        limits.headerTimeout = .seconds(600)
        let server = try await start(limits)
        func connected() throws -> TCPSocket {
            let s = try TCPSocket(family: AF_INET)
            try s.setReceiveTimeout(milliseconds: 5_000)
            #expect(s.connect(server.endpoint) == 0)
            return s
        }
        // Connected one after the other, so the server accepts them in this order.
        let oldest = try connected()
        try await Task.sleep(for: .milliseconds(50))
        let second = try connected(), third = try connected()
        let clock = ContinuousClock()
        // A bound, not a timing claim: a loaded 2-core CI machine may take seconds to accept.
        let deadline = clock.now.advanced(by: .seconds(30))
        while server.openConnections < 3, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.openConnections == 3)
        let r = try send(Array("GET /metrics HTTP/1.1\r\n\r\n".utf8), to: server.endpoint)
        #expect(r.status == "HTTP/1.1 200 OK")
        #expect(try oldest.read(count: 1) == [])  // the oldest was closed: EOF
        _ = (second.fd, third.fd)
        #expect(server.openConnections <= 3)
        await server.close()
    }
}
