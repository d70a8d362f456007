import Testing
import TCPWire
@testable import TCPStack

/// Keep-alive (RFC 1122 §4.2.3.6; Linux tcp_keepalive_timer) and the user timeout (RFC 9293 §3.8.6.4, RFC 5482;
/// Linux TCP_USER_TIMEOUT) in the engine. The client's host never sees the server's packets: a dead peer.
@Suite("Engine keep-alive and user timeout")
struct KeepaliveEngineTests {
    @Test func linuxKeepaliveDefaultsAre7200sIdle75sInterval9Probes() throws {
        let p = try Pair(.linux6)
        let k = try #require(p.s.keepalive(of: p.server!))
        #expect(k.on == false)
        #expect(k.idle == .seconds(7200) && k.interval == .seconds(75) && k.count == 9)
    }

    @Test func keepaliveSendsCountProbesAtTheIntervalThenTimesOutWithETIMEDOUT() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        let start = p.wire.now
        try p.s.setKeepaliveIdle(s, seconds: 10, now: start)
        try p.s.setKeepaliveInterval(s, seconds: 2)
        try p.s.setKeepaliveCount(s, 3)
        try p.s.setKeepalive(s, true, now: start)
        var probes: [(Duration, IPPacket)] = []
        var end: Duration?
        while let due = p.s.nextDeadline, due <= start + .seconds(60) {
            p.s.advance(to: due)
            for packet in p.s.takePackets() {
                if packet.tcp.flags.contains(.rst) { end = due - start } else { probes.append((due - start, packet)) }
            }
            if p.s.state(of: s) == .closed { break }
        }
        // Probes at idle, idle + interval, idle + 2 intervals: <SEQ=SND.UNA-1><CTL=ACK>, no data.
        #expect(probes.map(\.0) == [.seconds(10), .seconds(12), .seconds(14)])
        #expect(probes.allSatisfy { $0.1.tcp.payload.isEmpty && $0.1.tcp.flags == .ack })
        #expect(probes.allSatisfy { $0.1.tcp.sequenceNumber == p.serverTCB.sndUna.rawValue &- 1 })
        // The count reached, the next expiry resets the connection: ETIMEDOUT.
        #expect(end == .seconds(16))
        #expect(p.s.state(of: s) == .closed)
        #expect(p.s.error(of: s) == .timedOut)
        #expect(p.s.takeEvents().contains(.timedOut(s)))
    }

    @Test func answeredKeepaliveProbesKeepAnIdleConnectionOpen() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setKeepaliveIdle(s, seconds: 10, now: p.wire.now)
        try p.s.setKeepaliveInterval(s, seconds: 2)
        try p.s.setKeepaliveCount(s, 1)
        try p.s.setKeepalive(s, true, now: p.wire.now)
        // The client's stack answers each probe with an ACK (RFC 9293 §3.10.7.4 first).
        p.wire.runTimers(until: .seconds(100))
        #expect(p.s.state(of: s) == .established)
        let probes = p.wire.log.filter { $0.source.address == serverAddress && $0.tcp.flags == .ack }
        #expect(probes.count >= 9)
    }

    @Test func keepaliveOptionsRejectValuesOutsideLinuxRanges() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        #expect(throws: SocketError.invalidArgument) { try p.s.setKeepaliveIdle(s, seconds: 0, now: .zero) }
        #expect(throws: SocketError.invalidArgument) { try p.s.setKeepaliveInterval(s, seconds: 32768) }
        #expect(throws: SocketError.invalidArgument) { try p.s.setKeepaliveCount(s, 128) }
        #expect(throws: SocketError.invalidArgument) { try p.s.setUserTimeout(s, milliseconds: -1) }
    }

    @Test func userTimeoutAbortsWithETIMEDOUTWhenSentDataStaysUnacknowledged() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setUserTimeout(s, milliseconds: 3000)
        #expect(p.s.userTimeout(of: s) == .milliseconds(3000))
        let sentAt = p.wire.now
        _ = try p.s.send(s, [1, 2, 3], now: sentAt)
        var retransmissions = 0
        var closedAt: Instant?
        while let due = p.s.nextDeadline, due <= sentAt + .seconds(60) {
            p.s.advance(to: due)
            retransmissions += p.s.takePackets().filter { !$0.tcp.payload.isEmpty }.count
            if p.s.state(of: s) == .closed { closedAt = due; break }
        }
        // 3 s after the data left, long before tcp_retries2 (15) retransmissions would give up.
        #expect(closedAt == sentAt + .seconds(3))
        #expect(retransmissions > 0 && retransmissions < TCPConfiguration.linux6.dataRetries)
        #expect(p.s.error(of: s) == .timedOut)
        #expect(p.s.takeEvents().contains(.timedOut(s)))
    }

    @Test func acknowledgedDataRestartsTheUserTimeout() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setUserTimeout(s, milliseconds: 3000)
        _ = try p.s.send(s, [1, 2, 3], now: p.wire.now)
        p.wire.runTimers(until: .seconds(10))  // the client acknowledges
        #expect(p.s.state(of: s) == .established)
        #expect(p.serverTCB.userTimeout.deadline == nil)
    }
}
