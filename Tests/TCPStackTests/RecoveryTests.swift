import Testing
import TCPStack
import TCPWire

/// RFC 9293 §3.5.1 (half-open connections) and §3.5 figure 9 (old duplicate SYN).
@Suite struct RecoveryTests {
    /// Figure 10: the client crashed and reconnects from the same port; the server's stale connection
    /// answers the new SYN with an ACK, the client resets it, and the retransmitted SYN then succeeds.
    @Test(arguments: [TCPConfiguration.rfc9293, .linux310, .linux6])
    func halfOpenServerIsResetByTheRestartedClientWhoseSynThenSucceeds(config: TCPConfiguration) throws {
        var p = try Pair(config)
        let port = p.wire.hosts[1].localEndpoint(of: p.client)!.port
        let stale = p.server!
        // The client host loses everything.
        p.wire.hosts[1] = host(config, [clientAddress], seed: 99)
        p.wire.now = p.wire.now + .seconds(10)
        let c = p.wire.hosts[1].socket()
        try p.wire.hosts[1].bind(c, to: Endpoint(clientAddress, port))
        try p.wire.hosts[1].connect(c, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        // The stale connection answered the SYN with an ACK, got <SEQ=SEG.ACK><CTL=RST> back, and is gone.
        #expect(p.wire.log.contains { $0.source.address == clientAddress && $0.tcp.flags == .rst })
        #expect(p.wire.hosts[0].state(of: stale) == .closed)
        #expect(p.wire.hosts[0].error(of: stale) == .connectionReset)
        p.wire.runTimers(until: .seconds(3))
        #expect(p.wire.hosts[1].state(of: c) == .established)
        #expect(try p.wire.hosts[0].accept(p.listener) != stale)
    }

    /// Figure 11: the server side lost its connection; the client's data draws a RST that resets it.
    @Test func dataToAHostThatLostTheConnectionIsAnsweredWithRstAndResetsTheSender() throws {
        var p = try Pair(.linux6)
        p.wire.hosts[0] = host(.linux6, [serverAddress], seed: 77)
        _ = try p.wire.hosts[1].send(p.client, [1, 2, 3], now: p.wire.now)
        p.wire.run()
        let rst = p.wire.log.last { $0.source.address == serverAddress }
        #expect(rst?.tcp.flags == .rst)
        #expect(p.wire.hosts[1].state(of: p.client) == .closed)
        #expect(p.wire.hosts[1].error(of: p.client) == .connectionReset)
        #expect(p.wire.events.contains(.reset(p.client)))
    }

    /// Figure 9: an old duplicate SYN reaches the listener first; its SYN-ACK is reset by the client in
    /// SYN-SENT, the embryonic connection is dropped, and the real SYN then completes the handshake.
    @Test(arguments: [TCPConfiguration.rfc9293, .linux6])
    func oldDuplicateSynIsResetAndTheRealSynConnects(config: TCPConfiguration) throws {
        var p = try Pair(config, connect: false)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        let real = p.wire.hosts[1].takePackets()[0]
        var old = real
        old.tcp.sequenceNumber = real.tcp.sequenceNumber &- 1_000_000
        p.wire.hosts[0].receive(old, now: p.wire.now)
        let oldSynAck = p.wire.hosts[0].takePackets()
        #expect(oldSynAck.map(\.tcp.flags) == [.synAck])
        #expect(oldSynAck.first?.tcp.acknowledgmentNumber == old.tcp.sequenceNumber &+ 1)
        // The client in SYN-SENT: an ACK outside (ISS, SND.NXT] draws <SEQ=SEG.ACK><CTL=RST>.
        p.wire.hosts[1].receive(oldSynAck[0], now: p.wire.now)
        let rst = p.wire.hosts[1].takePackets()
        #expect(rst.map(\.tcp.flags) == [.rst])
        #expect(rst.first?.tcp.sequenceNumber == old.tcp.sequenceNumber &+ 1)
        #expect(p.wire.hosts[1].state(of: p.client) == .synSent)
        // The RST sends the embryonic connection away; the listener is unaffected.
        p.wire.hosts[0].receive(rst[0], now: p.wire.now)
        #expect(p.wire.hosts[0].takePackets().isEmpty)
        p.wire.run()
        // Now the real SYN arrives.
        p.wire.hosts[0].receive(real, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].state(of: p.client) == .established)
        #expect(p.wire.states(of: p.client, host: 1) == [.synSent, .established])
    }
}
