import Testing
import TCPWire
@testable import TCPStack

/// A data segment that also carries SACK blocks gives up payload for them, so it still fits the MTU (Linux
/// `tcp_current_mss`). MTU 1040 with timestamps: MSS 1000, 988 bytes of payload beside the timestamp option.
@Suite("Data segments make room for their SACK option")
struct SACKSegmentSizeTests {
    private static func config() -> TCPConfiguration {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1040
        return c
    }

    /// The server holds the client's second segment above a hole, so its next segments carry one SACK block.
    private func serverWithAHole() throws -> Pair {
        var pair = try Pair(Self.config())
        _ = try pair.c.send(pair.client, [UInt8](repeating: 1, count: 2 * 988), now: pair.wire.now)
        let fromClient = pair.c.takePackets().filter { !$0.tcp.payload.isEmpty }
        #expect(fromClient.map(\.tcp.payload.count) == [988, 988])
        let dupAck = pair.injectToServer(fromClient[1])
        #expect(dupAck.first?.tcp.options.sackBlocks.count == 1)
        return pair
    }

    @Test func dataSegmentWithASACKBlockCarriesTwelveBytesLessPayloadAndFitsTheMTU() throws {
        var pair = try serverWithAHole()
        #expect(pair.serverTCB.sendMSS == 988)
        _ = try pair.s.send(pair.server!, [UInt8](repeating: 2, count: 4 * 988), now: pair.wire.now)
        let data = pair.s.takePackets().filter { !$0.tcp.payload.isEmpty }
        #expect(data.count == 5)
        for p in data {
            #expect(p.tcp.options.sackBlocks.count == 1)
            #expect(p.encodedLength <= 1040)
        }
        // nop,nop,sack with one block is 12 bytes: 988 - 12 = 976 per full segment.
        #expect(data.map(\.tcp.payload.count) == [976, 976, 976, 976, 48])
    }

    @Test func withTheHoleFilledDataSegmentsGoBackToTheFullMSS() throws {
        var pair = try serverWithAHole()
        // The first segment arrives late: the hole closes, no SACK block remains.
        let src = pair.c.localEndpoint(of: pair.client)!
        let tcb = pair.c.connection(pair.client)!
        var o = TCPOptions()
        _ = o.appendAlignedTimestamps(value: tcb.timestampValue(pair.wire.now), echoReply: tcb.tsRecent)
        let late = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: src.port, destinationPort: 80, sequenceNumber: tcb.iss.rawValue &+ 1,
            acknowledgmentNumber: tcb.rcvNxt.rawValue, flags: .ack, window: 65535, options: o,
            payload: [UInt8](repeating: 1, count: 988)))
        _ = pair.injectToServer(late)
        _ = try pair.s.send(pair.server!, [UInt8](repeating: 2, count: 2 * 988), now: pair.wire.now)
        let data = pair.s.takePackets().filter { !$0.tcp.payload.isEmpty }
        #expect(data.map(\.tcp.payload.count) == [988, 988])
        #expect(data.allSatisfy { $0.tcp.options.sackBlocks.isEmpty && $0.encodedLength == 1040 })
    }
}
