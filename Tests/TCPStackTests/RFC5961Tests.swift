import Testing
import TCPStack
import TCPWire

/// RFC 5961 (blind in-window attacks) on an established server connection, through crafted segments.
@Suite struct RFC5961Tests {
    func pair(_ config: TCPConfiguration = .linux6) throws -> Pair {
        var p = try Pair(config)
        p.wire.now = p.wire.now + .seconds(5)
        return p
    }

    @Test func rstExactlyAtRcvNxtResetsTheConnection() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, flags: .rst))
        #expect(out.isEmpty)
        #expect(p.wire.hosts[0].state(of: p.server!) == .closed)
        #expect(p.wire.hosts[0].error(of: p.server!) == .connectionReset)
        #expect(p.wire.hosts[0].takeEvents().contains(.reset(p.server!)))
    }

    @Test func rstJustLeftOfTheWindowIsDroppedSilently() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: (tcb.rcvNxt - 1).rawValue, flags: .rst))
        #expect(out.isEmpty)
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
    }

    @Test func rstAtTheRightEdgeOfTheWindowGetsAChallengeAck() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let window = UInt32(tcb.rcvWnd)
        let out = p.injectToServer(p.toServer(seq: (tcb.rcvNxt + (window - 1)).rawValue, flags: .rst))
        #expect(out.count == 1)
        #expect(out.first?.tcp.flags == .ack)
        #expect(out.first?.tcp.sequenceNumber == tcb.sndNxt.rawValue)
        #expect(out.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue)
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
    }

    @Test func rstJustRightOfTheWindowIsDroppedSilently() throws {
        var p = try pair(.rfc9293)
        let tcb = p.serverTCB
        let window = UInt32(tcb.rcvWnd)
        let out = p.injectToServer(p.toServer(seq: (tcb.rcvNxt + window).rawValue, flags: .rst))
        #expect(out.isEmpty)
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
    }

    @Test func rstInsideTheWindowButNotExactGetsAChallengeAckAndKeepsTheConnection() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: (tcb.rcvNxt + 1000).rawValue, flags: .rst))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
    }

    @Test func synInEstablishedGetsAChallengeAckAndKeepsTheConnection() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(seq: (tcb.rcvNxt + 5).rawValue, flags: .syn))
        #expect(out.count == 1)
        #expect(out.first?.tcp.flags == .ack)
        #expect(out.first?.tcp.sequenceNumber == tcb.sndNxt.rawValue)
        #expect(out.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue)
        #expect(p.wire.hosts[0].state(of: p.server!) == .established)
    }

    @Test func ackOfUnsentDataIsAnsweredWithAnAckAndDropped() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: (tcb.sndNxt + 10).rawValue, flags: .ack, payload: [1, 2, 3]))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(out.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue)
        // The data of an unacceptable ACK was not taken.
        #expect(throws: SocketError.wouldBlock) { _ = try p.wire.hosts[0].receive(p.server!, now: p.wire.now) }
    }

    @Test func ackTooFarBehindSndUnaIsAnsweredWithAChallengeAck() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let old = tcb.sndUna - UInt32(tcb.sndWnd + 100_000)
        let out = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: old.rawValue, flags: .ack, payload: [9]))
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(throws: SocketError.wouldBlock) { _ = try p.wire.hosts[0].receive(p.server!, now: p.wire.now) }
    }

    @Test func linux6LimitsChallengeAcksToOnePerHalfSecondPerSocket() throws {
        var p = try pair(.linux6)
        let tcb = p.serverTCB
        let syn = p.toServer(seq: (tcb.rcvNxt + 5).rawValue, flags: .syn)
        #expect(p.injectToServer(syn).count == 1)
        p.wire.now = p.wire.now + .milliseconds(499)
        #expect(p.injectToServer(syn).isEmpty)
        p.wire.now = p.wire.now + .milliseconds(1)
        #expect(p.injectToServer(syn).count == 1)
    }

    @Test func linux310LimitsChallengeAcksGloballyTo100PerSecond() throws {
        var p = try pair(.linux310)
        let tcb = p.serverTCB
        let syn = p.toServer(seq: (tcb.rcvNxt + 5).rawValue, flags: .syn)
        var sent = 0
        for _ in 0..<150 { sent += p.injectToServer(syn).count }
        #expect(sent == 100)
        p.wire.now = p.wire.now + .seconds(1)
        #expect(p.injectToServer(syn).count == 1)
    }

    @Test func rfc9293PresetDoesNotLimitChallengeAcks() throws {
        var p = try pair(.rfc9293)
        let tcb = p.serverTCB
        let syn = p.toServer(seq: (tcb.rcvNxt + 5).rawValue, flags: .syn)
        var sent = 0
        for _ in 0..<150 { sent += p.injectToServer(syn).count }
        #expect(sent == 150)
    }
}
