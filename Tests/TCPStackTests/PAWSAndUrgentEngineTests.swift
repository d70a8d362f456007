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

/// URG in the engine (RFC 6093 §4: urgent data stays in the stream; Linux with SO_OOBINLINE behaves the same).
@Suite("Engine urgent pointer")
struct UrgentEngineTests {
    @Test func urgentDataIsDeliveredInlineAndInOrder() throws {
        var p = try Pair(.linux6)
        let tcb = p.serverTCB
        var packet = p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh, .urg], payload: Array("ab!cd".utf8))
        packet.tcp.urgentPointer = 3
        var options = TCPOptions()
        _ = options.appendAlignedTimestamps(value: tcb.tsRecent &+ 1, echoReply: 0)
        packet.tcp.options = options
        _ = p.injectToServer(packet)
        #expect(try p.s.receive(p.server!, now: p.wire.now) == Array("ab!cd".utf8))
        #expect(p.serverTCB.rcvNxt == tcb.rcvNxt + 5)
    }
}
