import Testing
import TCPStack
import TCPWire

/// One test per arc of RFC 9293 figure 5 (the connection state diagram).
@Suite struct FigureFiveTests {
    @Test func closedToListenOnPassiveOpen() throws {
        let p = try Pair(connect: false)
        let t = p.wire.hosts[0].state(of: p.listener)
        #expect(t == .listen)
        var w = p.wire
        w.run()
        let tr = w.transition(p.listener, to: .listen)
        #expect(tr?.from == .closed && tr?.cause == .user(.listen) && tr?.rfc == "RFC 9293 §3.10.1")
    }

    @Test func closedToSynSentOnActiveOpenSendsSyn() throws {
        var p = try Pair(connect: false)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        let out = p.wire.hosts[1].takePackets()
        #expect(out.count == 1 && out[0].tcp.flags == .syn)
        #expect(p.wire.hosts[1].state(of: p.client) == .synSent)
    }

    @Test func listenToSynReceivedOnSynSendsSynAck() throws {
        var p = try Pair(connect: false)
        p.wire.drop = { $0.tcp.flags == .synAck }
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        let child = p.wire.transitionsByHost[0].first { $0.to == .synReceived }
        #expect(child?.from == .listen)
        #expect(child?.linux == "tcp_conn_request")
        #expect(p.wire.log.contains { $0.tcp.flags == .synAck && $0.source == serverEndpoint })
    }

    @Test func listenToSynSentOnSendTurnsThePassiveOpenActive() throws {
        var w = TestWire(host(.rfc9293, [serverAddress]), host(.rfc9293, [clientAddress]))
        let l = w.hosts[0].socket()
        try w.hosts[0].bind(l, to: serverEndpoint)
        try w.hosts[0].listen(l, backlog: 1)
        let peer = w.hosts[1].socket()
        try w.hosts[1].bind(peer, to: Endpoint(clientAddress, 90))
        try w.hosts[1].listen(peer, backlog: 1)
        try w.hosts[0].connect(l, to: Endpoint(clientAddress, 90), now: w.now)
        w.run()
        let t = w.transition(l, to: .synSent)
        #expect(t?.from == .listen && t?.rfc == "RFC 9293 §3.10.1")
        #expect(w.hosts[0].state(of: l) == .established)
    }

    @Test func listenRefusesActiveOpenUnderLinuxWithEISCONN() throws {
        var p = try Pair(.linux6, connect: false)
        #expect(throws: SocketError.alreadyConnected) {
            try p.wire.hosts[0].connect(p.listener, to: Endpoint(clientAddress, 90), now: p.wire.now)
        }
    }

    @Test func passiveSynReceivedReturnsToListenOnRst() throws {
        var p = try Pair(connect: false)
        p.wire.drop = { $0.tcp.flags == .synAck }
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        guard let child = p.wire.transitionsByHost[0].first(where: { $0.to == .synReceived })?.socket else {
            Issue.record("no embryonic connection")
            return
        }
        let tcb = p.wire.hosts[0].connection(child)!
        let rst = p.toServer(seq: tcb.rcvNxt.rawValue, flags: .rst)
        #expect(p.injectToServer(rst).isEmpty)
        #expect(p.wire.hosts[0].state(of: child) == nil)
        #expect(p.wire.hosts[0].state(of: p.listener) == .listen)
        // The listener still takes connections.
        p.wire.drop = { _ in false }
        p.wire.runTimers(until: .seconds(2))
        #expect(p.wire.hosts[1].state(of: p.client) == .established)
    }

    @Test func synSentToSynReceivedOnSynSendsSynAckWithTheSameIsn() throws {
        var w = TestWire(host(.linux6))
        let s = w.hosts[0].socket()
        try w.hosts[0].bind(s, to: Endpoint(v4, 40000))
        try w.hosts[0].connect(s, to: Endpoint(v4, 40000), now: w.now)
        w.run()
        let t = w.transition(s, to: .synReceived)
        #expect(t?.from == .synSent && t?.rfc == "RFC 9293 §3.10.7.3" && t?.linux == "tcp_rcv_synsent_state_process")
        #expect(w.log[1].tcp.flags == .synAck && w.log[1].tcp.sequenceNumber == w.log[0].tcp.sequenceNumber)
    }

    @Test func synSentToEstablishedOnSynAckSendsAck() throws {
        let p = try Pair()
        let t = p.wire.transition(p.client, host: 1, to: .established)
        #expect(t?.from == .synSent)
        guard case .segment(let seg)? = t?.cause else {
            Issue.record("not caused by a segment")
            return
        }
        #expect(seg.flags == .synAck)
        #expect(p.wire.log[2].tcp.flags == .ack && p.wire.log[2].source.address == clientAddress)
    }

    @Test func synSentToClosedOnClose() throws {
        var p = try Pair(connect: false)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        _ = p.wire.hosts[1].takePackets()
        p.wire.run()
        #expect(p.wire.states(of: p.client, host: 1) == [.synSent, .closed])
        #expect(p.wire.hosts[1].liveCount == 0)
    }

    @Test func listenToClosedOnClose() throws {
        var p = try Pair(connect: false)
        try p.wire.hosts[0].close(p.listener, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.states(of: p.listener) == [.listen, .closed])
        // Nobody listens now: a SYN is refused.
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].error(of: p.client) == .connectionRefused)
    }

    @Test func synReceivedToEstablishedOnAckOfSyn() throws {
        let p = try Pair()
        let t = p.wire.transition(p.server!, to: .established)
        #expect(t?.from == .synReceived)
        guard case .segment(let seg)? = t?.cause else {
            Issue.record("not caused by a segment")
            return
        }
        #expect(seg.flags == .ack)
    }

    @Test func synReceivedToFinWait1OnCloseSendsFin() throws {
        // Crossing SYNs whose SYN-ACKs are lost leave both ends in SYN-RECEIVED.
        var w = TestWire(host(.linux6, [serverAddress]), host(.linux6, [clientAddress]))
        w.drop = { $0.tcp.flags == .synAck }
        let a = w.hosts[0].socket()
        let b = w.hosts[1].socket()
        try w.hosts[0].bind(a, to: serverEndpoint)
        try w.hosts[1].bind(b, to: Endpoint(clientAddress, 90))
        try w.hosts[0].connect(a, to: Endpoint(clientAddress, 90), now: w.now)
        try w.hosts[1].connect(b, to: serverEndpoint, now: w.now)
        w.run()
        #expect(w.hosts[0].state(of: a) == .synReceived)
        try w.hosts[0].close(a, now: w.now)
        let fin = w.hosts[0].takePackets()
        #expect(w.hosts[0].state(of: a) == .finWait1)
        #expect(fin.count == 1 && fin[0].tcp.flags == .finAck)
    }

    @Test func establishedToFinWait1OnCloseSendsFin() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        let out = p.wire.hosts[1].takePackets()
        #expect(out.map(\.tcp.flags) == [.finAck])
        #expect(p.wire.hosts[1].state(of: p.client) == .finWait1)
    }

    @Test func establishedToCloseWaitOnFin() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[0].state(of: p.server!) == .closeWait)
        #expect(p.wire.events.contains(.peerClosed(p.server!)))
        #expect(try p.wire.hosts[0].receive(p.server!, now: p.wire.now) == [])
    }

    @Test func finWait1ToFinWait2OnAckOfFin() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        // Linux delays the ACK of a FIN in ESTABLISHED (tcp_fin pingpong mode) by the 40 ms delayed-ACK timer.
        #expect(p.wire.hosts[1].state(of: p.client) == .finWait1)
        p.wire.advance(by: .milliseconds(40))
        let t = p.wire.transition(p.client, host: 1, to: .finWait2)
        #expect(t?.from == .finWait1)
        #expect(p.wire.hosts[1].state(of: p.client) == .finWait2)
    }

    @Test func finWait1ToClosingOnFinAndBothReachTimeWaitInASimultaneousClose() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.states(of: p.client, host: 1).suffix(3) == [.finWait1, .closing, .timeWait])
        #expect(p.wire.states(of: p.server!, host: 0).suffix(3) == [.finWait1, .closing, .timeWait])
        #expect(p.wire.hosts[0].state(of: p.server!) == .timeWait)
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
    }

    @Test func finWait2ToTimeWaitOnFin() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        let t = p.wire.transition(p.client, host: 1, to: .timeWait)
        #expect(t?.from == .finWait2)
    }

    @Test func closingToTimeWaitOnAckOfFin() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        let t = p.wire.transition(p.client, host: 1, to: .timeWait)
        #expect(t?.from == .closing)
        guard case .segment(let seg)? = t?.cause else {
            Issue.record("not caused by a segment")
            return
        }
        #expect(seg.flags == .ack)
    }

    @Test func timeWaitToClosedAfterTwoMSL() throws {
        var p = try Pair(.linux310)
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        p.wire.advance(by: .milliseconds(59_999))
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
        p.wire.advance(by: .milliseconds(1))
        let t = p.wire.transition(p.client, host: 1, to: .closed)
        #expect(t?.from == .timeWait && t?.cause == .timer(.timeWait))
        #expect(p.wire.hosts[1].liveCount == 0)
    }

    @Test func closeWaitToLastAckOnCloseSendsFin() throws {
        var p = try Pair()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        let out = p.wire.hosts[0].takePackets()
        #expect(out.map(\.tcp.flags) == [.finAck])
        #expect(p.wire.hosts[0].state(of: p.server!) == .lastAck)
    }

    @Test func lastAckToClosedOnAckOfFin() throws {
        var p = try Pair()
        let server = p.server!
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(server, now: p.wire.now)
        p.wire.run()
        let t = p.wire.transition(server, to: .closed)
        #expect(t?.from == .lastAck)
        #expect(p.wire.hosts[0].state(of: server) == nil)
    }
}
