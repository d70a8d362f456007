import Testing
import TCPWire
@testable import TCPStack

/// Explicit Congestion Notification in the engine (RFC 3168 §6.1; Linux net/ipv4/tcp_input.c `tcp_ecn_*`,
/// tcp_output.c `tcp_ecn_send`), as `net.ipv4.tcp_ecn` selects it.
@Suite("Engine ECN")
struct ECNEngineTests {
    private func pair(_ policy: ECNPolicy) throws -> Pair {
        var config = TCPConfiguration.linux6
        config.ecn = policy
        return try Pair(config)
    }

    @Test func requestingHostsNegotiateAndMarkNewDataECT0Only() throws {
        var p = try pair(.request)
        let syn = p.wire.log[0].tcp, synAck = p.wire.log[1].tcp
        #expect(syn.flags == [.syn, .ece, .cwr])  // an ECN-setup SYN
        #expect(synAck.flags == [.syn, .ack, .ece])  // an ECN-setup SYN-ACK
        #expect(p.wire.log[0].ecn == .notECT && p.wire.log[1].ecn == .notECT)
        _ = try p.s.send(p.server!, [UInt8](repeating: 7, count: 100), now: p.wire.now)
        let data = try #require(p.s.takePackets().first)
        #expect(data.ecn == .ect0)
        #expect(!data.tcp.flags.contains(.ece) && !data.tcp.flags.contains(.cwr))
        // The retransmission of that data is Not-ECT (RFC 3168 §6.1.5).
        let due = try #require(p.s.nextDeadline)
        p.s.advance(to: due)
        let resent = try #require(p.s.takePackets().first)
        #expect(resent.tcp.sequenceNumber == data.tcp.sequenceNumber)
        #expect(resent.ecn == .notECT)
    }

    @Test func linuxDefaultAcceptsButNeverAsks() throws {
        var p = try pair(.acceptOnly)
        #expect(p.wire.log[0].tcp.flags == .syn)
        #expect(p.wire.log[1].tcp.flags == .synAck)
        _ = try p.s.send(p.server!, [1], now: p.wire.now)
        #expect(p.s.takePackets().first?.ecn == .notECT)
    }

    @Test func anOffHostAnswersAnECNSetupSYNWithAPlainSYNAck() throws {
        var config = TCPConfiguration.linux6
        config.ecn = .request
        var wire = TestWire(host(config, [clientAddress], seed: 1))
        var off = TCPConfiguration.linux6
        off.ecn = .off
        var server = host(off, [serverAddress], seed: 2)
        let l = server.socket()
        try server.bind(l, to: serverEndpoint)
        try server.listen(l, backlog: 1)
        let s = wire.hosts[0].socket()
        try wire.hosts[0].connect(s, to: serverEndpoint, now: wire.now)
        let syn = try #require(wire.hosts[0].takePackets().first)
        server.receive(syn, now: wire.now)
        #expect(server.takePackets().first?.tcp.flags == .synAck)
    }

    @Test func aCEMarkIsEchoedWithECEUntilThePeersCWR() throws {
        var p = try pair(.request)
        var tcb = p.serverTCB
        var marked = p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh],
                                payload: [1, 2, 3])
        marked.ecn = .ce
        p.s.receive(marked, now: p.wire.now)
        p.s.advance(to: p.s.nextDeadline ?? p.wire.now)  // a delayed ACK, if the engine delays it
        let echo = try #require(p.s.takePackets().last)
        #expect(echo.tcp.flags.contains(.ece))
        tcb = p.serverTCB
        let more = p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh, .cwr],
                              payload: [4])
        p.s.receive(more, now: p.wire.now)
        p.s.advance(to: p.s.nextDeadline ?? p.wire.now)
        let after = try #require(p.s.takePackets().last)
        #expect(!after.tcp.flags.contains(.ece))
    }

    @Test func anEchoedMarkReducesCwndOncePerWindowAndTheNextNewDataCarriesCWR() throws {
        var p = try pair(.request)
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 1000), now: p.wire.now)
        _ = p.s.takePackets()
        let before = p.serverTCB.cc.cwnd
        let tcb = p.serverTCB
        let echo = p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndUna.rawValue, flags: [.ack, .ece], window: 60000)
        _ = p.injectToServer(echo)
        let reduced = p.serverTCB.cc.cwnd
        #expect(reduced < before)
        // A second echo while that window of data is unacknowledged reduces nothing more (Linux TCP_CA_CWR).
        _ = p.injectToServer(echo)
        #expect(p.serverTCB.cc.cwnd == reduced)
        _ = try p.s.send(p.server!, [UInt8](repeating: 2, count: 100), now: p.wire.now)
        let data = try #require(p.s.takePackets().first)
        #expect(data.tcp.flags.contains(.cwr) && data.ecn == .ect0)
    }
}
