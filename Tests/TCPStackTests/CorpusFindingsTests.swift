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
