import TCPStack
import TCPWire
import Testing

/// A retransmission covers only sequence space already sent (below SND.NXT), even when the send buffer holds more.
/// Found by the blind-attack run under rfc9293: the attacker's out-of-window segments drew duplicate ACKs from the
/// peer, a fast retransmit from SND.UNA sent a full MSS that reached past SND.NXT, the peer acknowledged those
/// bytes, and RFC 5961 §5.2 judged that ACK "of unsent data": an unlimited challenge-ACK exchange followed.
@Suite struct RetransmitBoundTests {
    @Test func fastRetransmitStopsAtSndNxtWhenNagleHoldsMoreData() throws {
        var p = try Pair(.rfc9293)
        let client = p.client
        // 100 bytes go out; the next 100 wait behind them (Nagle, RFC 9293 §3.7.4), unsent, in the buffer.
        #expect(try p.wire.hosts[1].send(client, Array(repeating: 1, count: 100), now: p.wire.now) == 100)
        let first = p.wire.hosts[1].takePackets()
        #expect(first.map(\.tcp.payload.count) == [100])
        #expect(try p.wire.hosts[1].send(client, Array(repeating: 2, count: 100), now: p.wire.now) == 100)
        #expect(p.wire.hosts[1].takePackets().isEmpty)
        let tcb = try #require(p.wire.hosts[1].connection(client))
        #expect(tcb.sndNxt - tcb.sndUna == 100)

        // Three duplicate ACKs from the server: fast retransmit (RFC 5681 §3.2) of the segment at SND.UNA.
        let server = try #require(p.wire.hosts[0].connection(p.server!))
        let dup = IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
            sourcePort: 80, destinationPort: tcb.local!.port, sequenceNumber: server.sndNxt.rawValue,
            acknowledgmentNumber: tcb.sndUna.rawValue, flags: .ack, window: UInt16(clamping: tcb.sndWnd)))
        var resent: [IPPacket] = []
        for _ in 0..<3 {
            p.wire.hosts[1].receive(dup, now: p.wire.now)
            resent += p.wire.hosts[1].takePackets().filter { !$0.tcp.payload.isEmpty }
        }
        #expect(resent.map(\.tcp.sequenceNumber) == [tcb.sndUna.rawValue])
        #expect(resent.map(\.tcp.payload.count) == [100])
        let after = try #require(p.wire.hosts[1].connection(client))
        #expect(after.sndNxt == tcb.sndNxt)
    }
}
