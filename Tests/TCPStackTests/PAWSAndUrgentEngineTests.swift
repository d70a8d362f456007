import Testing
import TCPWire
@testable import TCPStack

/// PAWS in the engine (RFC 7323 §5.3 R1; Linux tcp_validate_incoming -> tcp_paws_discard).
@Suite("Engine PAWS")
struct PAWSEngineTests {
    /// An in-window data segment from the client with TSval `tsval`, delivered to the server only.
    private func dataSegment(_ p: Pair, tsval: UInt32) -> IPPacket {
        let tcb = p.serverTCB
        var packet = p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh], payload: Array("hello".utf8))
        var options = TCPOptions()
        _ = options.appendAlignedTimestamps(value: tsval, echoReply: 0)
        packet.tcp.options = options
        return packet
    }

    @Test func pawsDropsInWindowDataWithAnOldTimestampAndAcksRCVNXT() throws {
        var p = try Pair(.linux6)
        let before = p.serverTCB
        let replies = p.injectToServer(dataSegment(p, tsval: before.tsRecent &- 1000))
        #expect(p.serverTCB.rcvNxt == before.rcvNxt)
        #expect(throws: SocketError.wouldBlock) { _ = try p.s.receive(p.server!, now: p.wire.now) }
        // The duplicate ACK of RFC 9293 §3.10.7.4 first: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
        #expect(replies.count == 1)
        #expect(replies.first?.tcp.flags == .ack)
        #expect(replies.first?.tcp.acknowledgmentNumber == before.rcvNxt.rawValue)
    }

    @Test func linuxAcceptsATimestampOneTickBehindTSRecent() throws {
        var p = try Pair(.linux6)
        let before = p.serverTCB
        _ = p.injectToServer(dataSegment(p, tsval: before.tsRecent &- 1))
        #expect(p.serverTCB.rcvNxt == before.rcvNxt + 5)
        #expect(try p.s.receive(p.server!, now: p.wire.now) == Array("hello".utf8))
    }

    @Test func tsRecentIdleForMoreThan24DaysNoLongerRejectsAnOlderTimestamp() throws {
        // RFC 7323 §5.5, Linux TCP_PAWS_24DAYS: after 24 days TS.Recent may have wrapped in sign.
        var p = try Pair(.linux6)
        let before = p.serverTCB
        p.wire.now = p.wire.now + .seconds(23 * 86_400)
        _ = p.injectToServer(dataSegment(p, tsval: before.tsRecent &- 1000))
        #expect(p.serverTCB.rcvNxt == before.rcvNxt)
        p.wire.now = p.wire.now + .seconds(2 * 86_400)
        _ = p.injectToServer(dataSegment(p, tsval: before.tsRecent &- 1000))
        #expect(p.serverTCB.rcvNxt == before.rcvNxt + 5)
        #expect(p.serverTCB.tsRecent == before.tsRecent &- 1000)
    }

    @Test func tsRecentIsTakenOnlyFromASegmentAtTheLeftWindowEdge() throws {
        // RFC 7323 §4.3 (2): a segment above RCV.NXT (out of order) carries a newer TSval that must not be echoed.
        var p = try Pair(.linux6)
        let before = p.serverTCB
        var ahead = dataSegment(p, tsval: before.tsRecent &+ 500)
        ahead.tcp.sequenceNumber = before.rcvNxt.rawValue &+ 100
        _ = p.injectToServer(ahead)
        #expect(p.serverTCB.tsRecent == before.tsRecent)
        _ = p.injectToServer(dataSegment(p, tsval: before.tsRecent &+ 10))
        #expect(p.serverTCB.tsRecent == before.tsRecent &+ 10)
    }

    @Test func rfc9293AllowsNoSlackBelowTSRecent() throws {
        var config = TCPConfiguration.rfc9293
        config.timestamps = true  // off in the preset; PAWS needs them negotiated
        var p = try Pair(config)
        #expect(p.serverTCB.timestampsEnabled)
        let before = p.serverTCB
        _ = p.injectToServer(dataSegment(p, tsval: before.tsRecent &- 1))
        #expect(p.serverTCB.rcvNxt == before.rcvNxt)
        _ = p.injectToServer(dataSegment(p, tsval: before.tsRecent))
        #expect(p.serverTCB.rcvNxt == before.rcvNxt + 5)
    }
}

/// URG in the engine: RFC 6093 §4 keeps urgent data in the stream (rfc9293); Linux without SO_OOBINLINE takes the
/// urgent byte (the one before the pointer, tcp_stdurg 0) out of it (tcp_check_urg, tcp_recvmsg_locked).
@Suite("Engine urgent pointer")
struct UrgentEngineTests {
    /// "ab!cd" with the urgent pointer 3: the urgent byte is "!".
    private func deliverUrgent(_ p: inout Pair) {
        let tcb = p.serverTCB
        var packet = p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh, .urg], payload: Array("ab!cd".utf8))
        packet.tcp.urgentPointer = 3
        if tcb.timestampsEnabled {
            var options = TCPOptions()
            _ = options.appendAlignedTimestamps(value: tcb.tsRecent &+ 1, echoReply: 0)
            packet.tcp.options = options
        }
        _ = p.injectToServer(packet)
    }

    @Test func rfc9293DeliversUrgentDataInlineAndInOrder() throws {
        var p = try Pair(.rfc9293)
        let tcb = p.serverTCB
        deliverUrgent(&p)
        #expect(try p.s.receive(p.server!, now: p.wire.now) == Array("ab!cd".utf8))
        #expect(p.serverTCB.rcvNxt == tcb.rcvNxt + 5)
    }

    @Test func linuxStopsAReadBeforeTheUrgentByteAndSkipsItOnTheNext() throws {
        var p = try Pair(.linux6)
        let tcb = p.serverTCB
        deliverUrgent(&p)
        #expect(p.serverTCB.rcvNxt == tcb.rcvNxt + 5)
        #expect(try p.s.receive(p.server!, now: p.wire.now) == Array("ab".utf8))
        #expect(try p.s.receive(p.server!, now: p.wire.now) == Array("cd".utf8))
    }

    @Test func linuxSpliceStopsAtTheUrgentByteAndReturnsNothingThere() throws {
        var p = try Pair(.linux6)
        deliverUrgent(&p)
        #expect(try p.s.spliceRead(p.server!, maxBytes: 100, now: p.wire.now) == Array("ab".utf8))
        // tcp_read_sock breaks at the urgent byte rather than loop: 0 although 3 bytes wait.
        #expect(try p.s.spliceRead(p.server!, maxBytes: 100, now: p.wire.now).isEmpty)
        #expect(p.s.readableBytes(of: p.server!) == 3)
    }

    @Test func freeBindLetsBindTakeAnAddressTheHostDoesNotHave() throws {
        var p = try Pair(.linux6)
        let elsewhere = Endpoint(.v4(IPv4Address(10, 9, 9, 9)), 4000)
        let a = p.s.socket()
        #expect(throws: SocketError.addressNotAvailable) { try p.s.bind(a, to: elsewhere) }
        try p.s.setFreeBind(a, true)
        #expect(p.s.freeBind(of: a) == true)
        try p.s.bind(a, to: elsewhere)
        #expect(p.s.localEndpoint(of: a) == elsewhere)
    }
}
