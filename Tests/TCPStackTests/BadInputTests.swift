import Testing
import TCPStack
import TCPWire

/// Impossible or hostile segments get the RFC's answer or are dropped; nothing traps.
@Suite struct BadInputTests {
    @Test func synRstToAListenerIsIgnored() throws {
        var p = try Pair(connect: false)
        let out = p.injectToServer(p.toServer(seq: 1, flags: [.syn, .rst]))
        #expect(out.isEmpty)
        #expect(p.wire.hosts[0].liveCount == 1)
    }

    @Test func synRstToAClosedPortIsNotAnswered() throws {
        var w = TestWire(host(.linux6))
        w.hosts[0].receive(IPPacket(from: v4, to: v4, tcp: TCPSegment(
            sourcePort: 1, destinationPort: 2, sequenceNumber: 1, flags: [.syn, .rst], window: 1)), now: w.now)
        #expect(w.hosts[0].takePackets().isEmpty)
    }

    @Test func synRstInsideTheWindowOfAConnectionIsTreatedAsRstAndChallenged() throws {
        var p = try Pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: (tcb.rcvNxt + 10).rawValue, flags: [.syn, .rst]))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
    }

    @Test func segmentWithoutFlagsToAClosedPortGetsRstAck() throws {
        var w = TestWire(host(.linux6))
        w.hosts[0].receive(IPPacket(from: v4, to: v4, tcp: TCPSegment(
            sourcePort: 1, destinationPort: 2, sequenceNumber: 100, flags: [], window: 1, payload: [1, 2])),
            now: w.now)
        let out = w.hosts[0].takePackets()
        #expect(out.count == 1)
        #expect(out.first?.tcp.flags == .rstAck)
        #expect(out.first?.tcp.sequenceNumber == 0)
        #expect(out.first?.tcp.acknowledgmentNumber == 102)
    }

    @Test func segmentWithoutFlagsInEstablishedIsDropped() throws {
        var p = try Pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, flags: [], payload: [1]))
        #expect(out.isEmpty)
        #expect(throws: SocketError.wouldBlock) { _ = try p.wire.hosts[0].receive(p.server!, now: p.wire.now) }
    }

    @Test func segmentWithoutFlagsToAListenerIsDropped() throws {
        var p = try Pair(connect: false)
        #expect(p.injectToServer(p.toServer(seq: 1, flags: [])).isEmpty)
    }

    @Test(arguments: [TCPConfiguration.rfc9293, .linux6])
    func sequenceNumberFarOutsideTheWindowIsAckedNotAccepted(config: TCPConfiguration) throws {
        var p = try Pair(config)
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: (tcb.rcvNxt + 0x4000_0000).rawValue, ack: tcb.sndNxt.rawValue, flags: .ack, payload: [1, 2, 3]))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(out.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue)
        #expect(p.wire.hosts[0].connection(p.server!)?.rcvNxt == tcb.rcvNxt)
    }

    @Test func dataArrivingWhenOurWindowIsZeroIsAckedAndDropped() throws {
        var p = try Pair(.rfc9293)
        // Fill the server's receive buffer without reading it.
        var sent = 0
        while sent < 200_000, let n = try? p.wire.hosts[1].send(p.client, [UInt8](repeating: 7, count: 16384), now: p.wire.now) {
            sent += n
            p.wire.run()
            p.wire.runTimers(until: .milliseconds(200))  // the delayed-ACK timer (200 ms for this preset)
            if p.serverTCB.rcvWnd == 0 { break }
        }
        #expect(p.serverTCB.rcvWnd == 0)
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack, payload: [1]))
        #expect(out.map(\.tcp.window) == [0])
        #expect(p.wire.hosts[0].connection(p.server!)?.rcvNxt == tcb.rcvNxt)
        // Reading reopens the window and tells the peer.
        _ = try p.wire.hosts[0].receive(p.server!, now: p.wire.now)
        let update = p.wire.hosts[0].takePackets()
        #expect(update.count == 1 && update[0].tcp.window > 0)
    }

    @Test func dataFromAPeerAdvertisingAZeroWindowIsTakenButWeSendNothing() throws {
        var p = try Pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack, window: 0, payload: [1, 2, 3]))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(try p.wire.hosts[0].receive(p.server!, now: p.wire.now) == [1, 2, 3])
        #expect(try p.wire.hosts[0].send(p.server!, [4, 5], now: p.wire.now) == 2)
        #expect(p.wire.hosts[0].takePackets().isEmpty)
    }

    @Test func randomSegmentsNeverTrapAnyState() throws {
        var random = SeededRandom(seed: 42)
        for config in [TCPConfiguration.rfc9293, .linux310, .linux6] {
            var p = try Pair(config)
            for _ in 0..<3000 {
                let r = random.next()
                let tcb = p.serverTCB
                let near = Bool.random(using: &random)
                let seq = near ? (tcb.rcvNxt + Int(r % 70000) - 1000).rawValue : UInt32(truncatingIfNeeded: r >> 7)
                let ack = near ? (tcb.sndUna + Int(r >> 40 % 5) - 2).rawValue : UInt32(truncatingIfNeeded: r >> 17)
                let flags = TCPFlags(rawValue: UInt16(truncatingIfNeeded: r >> 50) & 0x1ff)
                let payload = [UInt8](repeating: 1, count: Int(r >> 60))
                _ = p.injectToServer(p.toServer(seq: seq, ack: ack, flags: flags,
                    window: UInt16(truncatingIfNeeded: r >> 20), payload: payload))
                if p.wire.hosts[0].state(of: p.server!) != .established {
                    p = try Pair(config)
                }
            }
        }
    }
}
