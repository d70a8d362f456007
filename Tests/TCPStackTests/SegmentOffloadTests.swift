import Testing
import TCPWire
@testable import TCPStack

/// `segmentOffloadBytes`: segments of several MSS for a link that cuts them (TSO), and large received segments.
@Suite("Engine with segment offload")
struct SegmentOffloadTests {
    /// Linux 6 on a 1500-byte link: MSS 1460, 1448 of payload beside the timestamp option.
    private func config(offload: Int) -> TCPConfiguration {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.segmentOffloadBytes = offload
        return c
    }

    private func payloadSizes(offload: Int, noDelay: Bool, writes: [Int]) throws -> [Int] {
        var pair = try Pair(config(offload: offload))
        #expect(pair.serverTCB.sendMSS == 1448)
        try pair.s.setNoDelay(pair.server!, noDelay, now: pair.wire.now)
        var sizes: [Int] = []
        var next = pair.serverTCB.sndNxt.rawValue
        for count in writes {
            #expect(try pair.s.send(pair.server!, [UInt8](repeating: 7, count: count), now: pair.wire.now) == count)
            for packet in pair.s.takePackets() {
                #expect(packet.tcp.sequenceNumber == next)
                next &+= UInt32(packet.tcp.payload.count)
                sizes.append(packet.tcp.payload.count)
            }
        }
        return sizes
    }

    @Test func offOneMSSPerSegment() throws {
        #expect(try payloadSizes(offload: 0, noDelay: true, writes: [10000]) == [1448, 1448, 1448, 1448, 1448, 1448, 1312])
    }

    @Test func onSegmentsAreWholeMSSMultiplesUpToTheLimit() throws {
        // 5000 bytes allow three MSS (4344) per segment.
        #expect(try payloadSizes(offload: 5000, noDelay: true, writes: [10000]) == [4344, 4344, 1312])
    }

    @Test func limitBelowOneMSSStillSendsFullSegments() throws {
        #expect(try payloadSizes(offload: 1000, noDelay: true, writes: [3000]) == [1448, 1448, 104])
    }

    @Test func largeSegmentLeavesItsSmallTailToNagle() throws {
        // A 100-byte segment is unacknowledged, so Nagle (Minshall) holds the 104-byte tail of the 3000 bytes,
        // as Linux tcp_mss_split_point does; with TCP_NODELAY the whole 3000 go in one segment.
        #expect(try payloadSizes(offload: 65000, noDelay: false, writes: [100, 3000]) == [100, 2896])
        #expect(try payloadSizes(offload: 65000, noDelay: true, writes: [100, 3000]) == [100, 3000])
    }

    @Test func segmentLargerThanOurMSSIsAcceptedWhole() throws {
        // What a TUN with offloads hands over: one 8000-byte segment on a 1500-byte link.
        var pair = try Pair(config(offload: 0))
        let tcb = pair.serverTCB
        let data = (0..<8000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        _ = pair.injectToServer(pair.toServer(
            seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh], window: 1000, payload: data))
        #expect(pair.serverTCB.rcvNxt == tcb.rcvNxt + 8000)
        #expect(try pair.s.receive(pair.server!, now: pair.wire.now) == data)
    }
}
