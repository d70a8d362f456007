import Testing
import TCPWire
@testable import TCPStack

/// The persist timer and Nagle inside the engine (the corpus scripts cover the packet shapes and timing).
@Suite("Engine with the persist timer and Nagle")
struct PersistAndNagleEngineTests {
    /// The server's window to the client closes with data waiting; the client never answers.
    private func closedWindow(_ config: TCPConfiguration) throws -> Pair {
        var pair = try Pair(config)
        let tcb = pair.serverTCB
        _ = pair.injectToServer(pair.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
                                              window: 0))
        #expect(try pair.s.send(pair.server!, Array("hello".utf8), now: pair.wire.now) == 5)
        #expect(pair.s.takePackets().isEmpty)
        return pair
    }

    @Test func linuxGivesUpWithETIMEDOUTAfterRetries2UnansweredProbes() throws {
        var pair = try closedWindow(.linux6)
        var probes = 0
        var now = pair.wire.now
        while let due = pair.s.nextDeadline, probes <= 20 {
            now = due
            pair.s.advance(to: now)
            probes += pair.s.takePackets().count
        }
        #expect(probes == TCPConfiguration.linux6.dataRetries)
        #expect(pair.s.state(of: pair.server!) == .closed)
        #expect(pair.s.error(of: pair.server!) == .timedOut)
        #expect(pair.s.takeEvents().contains(.timedOut(pair.server!)))
    }

    @Test func answeredProbesNeverTimeOut() throws {
        var pair = try closedWindow(.linux6)
        for _ in 0..<40 {
            let due = try #require(pair.s.nextDeadline)
            pair.s.advance(to: due)
            let probe = try #require(pair.s.takePackets().first)
            // Linux tcp_xmit_probe_skb: a bare ACK at SND.UNA - 1.
            #expect(probe.tcp.payload.isEmpty)
            #expect(probe.tcp.sequenceNumber == pair.serverTCB.sndUna.rawValue &- 1)
            pair.s.receive(pair.toServer(seq: pair.serverTCB.rcvNxt.rawValue, ack: pair.serverTCB.sndUna.rawValue,
                                         flags: .ack, window: 0), now: due)
        }
        #expect(pair.s.state(of: pair.server!) == .established)
        // The interval stopped doubling at the RTO maximum.
        let last = pair.serverTCB.persist
        #expect(last.interval == TCPConfiguration.linux6.rtoMax)
    }

    @Test func selfConnectedSocketWithNagleEchoesEachLineAtOnce() throws {
        let address = IPAddress.v4(IPv4Address(127, 0, 0, 1))
        var wire = TestWire(host(.linux6, [address]))
        let s = wire.hosts[0].socket()
        try wire.hosts[0].bind(s, to: Endpoint(address, 40000))
        try wire.hosts[0].connect(s, to: Endpoint(address, 40000), now: wire.now)
        wire.run()
        for line in ["test1\r\n", "test2\r\n", "test3\r\n"] {
            // A telnet user types the next line a second after the previous one came back (and was ACKed): no
            // pingpong mode, so the ACK is not delayed (Linux tcp_event_data_sent, tcp_event_data_recv).
            wire.advance(by: .seconds(1))
            let sent = wire.log.count
            _ = try wire.hosts[0].send(s, Array(line.utf8), now: wire.now)
            #expect(wire.hosts[0].hasPendingPackets)  // not held by Nagle
            wire.run()
            #expect(wire.log.count - sent == 2)  // the data and its ACK
            #expect(try wire.hosts[0].receive(s, now: wire.now) == Array(line.utf8))
        }
    }

    @Test func nagleHoldsASecondSmallWriteUntilTheAckUnlessNoDelay() throws {
        for noDelay in [false, true] {
            var pair = try Pair(.linux6)
            try pair.s.setNoDelay(pair.server!, noDelay, now: pair.wire.now)
            _ = try pair.s.send(pair.server!, Array("a".utf8), now: pair.wire.now)
            _ = try pair.s.send(pair.server!, Array("b".utf8), now: pair.wire.now)
            #expect(pair.s.takePackets().count == (noDelay ? 2 : 1))
        }
    }
}
