import Testing
import TCPStack
import TCPWire

@Suite struct TransferTests {
    @Test func bulkDataArrivesInOrderInMSSSizedSegments() throws {
        var p = try Pair(.linux6)
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var offset = 0
        var received: [UInt8] = []
        for _ in 0..<1000 where received.count < data.count {
            if offset < data.count, let n = try? p.wire.hosts[1].send(p.client, Array(data[offset...]), now: p.wire.now) {
                offset += n
            }
            p.wire.advance(by: .milliseconds(10))  // delayed ACKs need time to pass
            if let chunk = try? p.wire.hosts[0].receive(p.server!, now: p.wire.now) { received += chunk }
        }
        #expect(received == data)
        let mss = p.wire.hosts[1].connection(p.client)!.sendMSS
        #expect(mss == 65495 - 12)
        #expect(p.wire.log.allSatisfy { $0.tcp.payload.count <= mss })
    }

    @Test func lostSynIsRetransmittedAfterTheInitialRTO() throws {
        var p = try Pair(.linux6, connect: false)
        var dropped = 0
        p.wire.drop = { packet in packet.tcp.flags == .syn && dropped < 1 ? { dropped += 1; return true }() : false }
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].state(of: p.client) == .synSent)
        p.wire.advance(by: .milliseconds(999))
        #expect(p.wire.hosts[1].state(of: p.client) == .synSent)
        p.wire.advance(by: .milliseconds(1))
        #expect(p.wire.hosts[1].state(of: p.client) == .established)
        let syns = p.wire.log.filter { $0.tcp.flags == .syn }
        #expect(syns.count == 2 && syns[0].tcp.sequenceNumber == syns[1].tcp.sequenceNumber)
    }

    @Test func unansweredSynTimesOutWithETIMEDOUTAfterSynRetriesWithExponentialBackoff() throws {
        var p = try Pair(.linux6, connect: false)
        p.wire.drop = { $0.tcp.flags == .syn }
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.runTimers(until: .seconds(200))
        let syns = p.wire.log.filter { $0.tcp.flags == .syn }
        #expect(syns.count == 7)
        #expect(p.wire.hosts[1].error(of: p.client) == .timedOut)
        #expect(p.wire.events.contains(.timedOut(p.client)))
        // 1 + 2 + 4 + 8 + 16 + 32 + 64 s: Linux's 127 s for tcp_syn_retries = 6.
        let end = p.wire.transition(p.client, host: 1, to: .closed)
        #expect(end?.cause == .timer(.retransmission))
    }

    @Test func lostDataSegmentIsRetransmittedAndDelivered() throws {
        var p = try Pair(.linux6)
        var dropped = false
        p.wire.drop = { packet in
            if !dropped && !packet.tcp.payload.isEmpty { dropped = true; return true }
            return false
        }
        _ = try p.wire.hosts[1].send(p.client, [1, 2, 3, 4], now: p.wire.now)
        p.wire.run()
        #expect(throws: SocketError.wouldBlock) { _ = try p.wire.hosts[0].receive(p.server!, now: p.wire.now) }
        p.wire.advance(by: .seconds(1))
        #expect(try p.wire.hosts[0].receive(p.server!, now: p.wire.now) == [1, 2, 3, 4])
        #expect(p.wire.hosts[1].connection(p.client)!.sndUna == p.wire.hosts[1].connection(p.client)!.sndNxt)
    }

    @Test func lostFinIsRetransmitted() throws {
        var p = try Pair(.linux6)
        var dropped = false
        p.wire.drop = { packet in
            if !dropped && packet.tcp.flags.contains(.fin) { dropped = true; return true }
            return false
        }
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
        p.wire.runTimers(until: .seconds(1))  // the RTO resends the FIN; its ACK comes by the delayed-ACK timer
        #expect(p.wire.hosts[0].state(of: p.server!) == .closeWait)
        #expect(p.wire.hosts[1].state(of: p.client) == .finWait2)
    }

    @Test func sendAfterShutdownWriteIsEPIPEButReadingStillWorks() throws {
        var p = try Pair(.linux6)
        try p.wire.hosts[1].shutdown(p.client, .write, now: p.wire.now)
        p.wire.run()
        #expect(throws: SocketError.brokenPipe) { _ = try p.wire.hosts[1].send(p.client, [1], now: p.wire.now) }
        _ = try p.wire.hosts[0].send(p.server!, [9, 9], now: p.wire.now)
        p.wire.run()
        #expect(try p.wire.hosts[1].receive(p.client, now: p.wire.now) == [9, 9])
    }

    @Test func abortSendsRstAndThePeerSeesECONNRESET() throws {
        var p = try Pair(.linux6)
        try p.wire.hosts[1].abort(p.client, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.log.last?.tcp.flags == .rstAck)
        #expect(p.wire.hosts[0].error(of: p.server!) == .connectionReset)
        #expect(p.wire.hosts[1].liveCount == 0)
    }

    @Test func abortResetCarriesTheWindowAndTimestampsAsLinuxDoes() throws {
        var p = try Pair(.linux6)
        let lastAck = try #require(p.wire.log.last { $0.source.port == p.wire.log[0].source.port })
        try p.wire.hosts[1].abort(p.client, now: p.wire.now)
        p.wire.run()
        let rst = try #require(p.wire.log.last)
        #expect(rst.tcp.flags == .rstAck)
        #expect(rst.tcp.window == lastAck.tcp.window)
        #expect(rst.tcp.window > 0)
        #expect(rst.tcp.options.contains { if case .timestamps = $0 { true } else { false } })
    }

    @Test func sameSeedGivesTheSameSegments() throws {
        func run() throws -> [IPPacket] {
            var w = TestWire(host(.linux6, seed: 5))
            let s = w.hosts[0].socket()
            try w.hosts[0].connect(s, to: Endpoint(v4, 50000), now: w.now)
            w.run()
            return w.log
        }
        #expect(try run() == run())
    }
}

@Suite struct CloseWithUnreadDataTests {
    @Test func linuxResetsWhenClosingWithUnreadData() throws {
        var p = try Pair(.linux6)
        _ = try p.wire.hosts[1].send(p.client, [1, 2, 3], now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.log.last?.tcp.flags == .rstAck)
        #expect(p.wire.hosts[1].error(of: p.client) == .connectionReset)
    }

    @Test func rfc9293SendsAFinEvenWithUnreadData() throws {
        var p = try Pair(.rfc9293)
        _ = try p.wire.hosts[1].send(p.client, [1, 2, 3], now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].state(of: p.client) == .closeWait)
    }
}
