import Testing
import TCPStack
import TCPWire

/// Engine behaviours the packetdrill corpus pinned down, each through the public API with crafted segments.
@Suite struct CorpusFindingsTests {
    /// The server's connection in CLOSE-WAIT: the client sent its FIN.
    func closeWaitPair() throws -> Pair {
        var p = try Pair()
        try p.wire.hosts[1].shutdown(p.client, .write, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[0].state(of: p.server!) == .closeWait)
        return p
    }

    @Test func rstInCloseWaitMakesTheNextWriteFailWithEPIPE() throws {
        var p = try closeWaitPair()
        let tcb = p.serverTCB
        #expect(p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, flags: .rst)).isEmpty)
        #expect(p.wire.hosts[0].state(of: p.server!) == .closed)
        #expect(p.wire.hosts[0].error(of: p.server!) == .brokenPipe)
        #expect(throws: SocketError.brokenPipe) { _ = try p.wire.hosts[0].send(p.server!, [1], now: p.wire.now) }
    }
}

extension CorpusFindingsTests {
    @Test func dataAfterCloseInFinWait1IsAnsweredWithARstAndClosesTheConnection() throws {
        var p = try Pair()
        let server = p.server!
        try p.wire.hosts[0].close(server, now: p.wire.now)
        let fin = try #require(p.wire.hosts[0].takePackets().first)
        #expect(p.wire.hosts[0].state(of: server) == .finWait1)
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: fin.tcp.sequenceNumber &+ 1, flags: [.ack, .psh], payload: [1, 2, 3]))
        #expect(out.map(\.tcp.flags) == [.rst])
        #expect(out.first?.tcp.sequenceNumber == fin.tcp.sequenceNumber &+ 1)
        #expect(p.wire.hosts[0].state(of: server) == nil)
    }

    @Test func dataAfterCloseIsStillAcceptedByTheRfc9293Preset() throws {
        var p = try Pair(.rfc9293)
        let server = p.server!
        try p.wire.hosts[0].close(server, now: p.wire.now)
        let fin = try #require(p.wire.hosts[0].takePackets().first)
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: fin.tcp.sequenceNumber &+ 1, flags: [.ack, .psh], payload: [1, 2, 3]))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(p.wire.hosts[0].state(of: server) == .finWait2)
    }
}

extension CorpusFindingsTests {
    @Test func sendInSynSentIsEAGAINOnLinuxAndIsQueuedByRfc9293() throws {
        var linux = try Pair(.linux6, connect: false)
        try linux.wire.hosts[1].connect(linux.client, to: serverEndpoint, now: linux.wire.now)
        #expect(throws: SocketError.wouldBlock) {
            _ = try linux.wire.hosts[1].send(linux.client, [1, 2, 3], now: linux.wire.now)
        }
        var rfc = try Pair(.rfc9293, connect: false)
        try rfc.wire.hosts[1].connect(rfc.client, to: serverEndpoint, now: rfc.wire.now)
        #expect(try rfc.wire.hosts[1].send(rfc.client, [1, 2, 3], now: rfc.wire.now) == 3)
        rfc.wire.run()
        let server = try rfc.wire.hosts[0].accept(rfc.listener)
        // RFC 9293 §3.10.2: the queued bytes go out once ESTABLISHED.
        #expect(try rfc.wire.hosts[0].receive(server, now: rfc.wire.now) == [1, 2, 3])
    }
}
