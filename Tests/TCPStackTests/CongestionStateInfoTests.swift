import Testing
import TCPWire
@testable import TCPStack

/// TCP_INFO's `tcpi_ca_state`, `tcpi_unacked`, `tcpi_sacked` from the engine's recovery state (Linux
/// `enum tcp_ca_state`, `tcp_get_info`).
@Suite("TCP_INFO congestion state")
struct CongestionStateInfoTests {
    /// linux-6 with a 1000-byte MSS (1040-byte MTU) and room for 10 segments in the send buffer.
    private func pair(ecn: ECNPolicy = .acceptOnly) throws -> Pair {
        var config = TCPConfiguration.linux6
        config.interfaceMTU = 1040
        config.sendBufferSize = 1 << 16
        config.ecn = ecn
        return try Pair(config)
    }

    private func info(_ p: Pair) throws -> TCPInfo { try #require(p.s.tcpInfo(of: p.server!, now: p.wire.now)) }

    /// The client's ACK of SND.UNA with `blocks` (offsets from SND.UNA) SACKed.
    private func sack(_ p: inout Pair, _ blocks: [Range<UInt32>]) {
        let tcb = p.serverTCB
        let una = tcb.sndUna.rawValue
        var options = TCPOptions()
        try? options.append(.sack(blocks.map { SACKBlock(left: una &+ $0.lowerBound, right: una &+ $0.upperBound) }))
        var segment = p.toServer(seq: tcb.rcvNxt.rawValue, ack: una, flags: .ack, window: 60000)
        segment.tcp.options = options
        _ = p.injectToServer(segment)
    }

    @Test func sackedSegmentsMeanDisorderThenThreeMeanRecovery() throws {
        var p = try pair()
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 10_000), now: p.wire.now)
        _ = p.s.takePackets()
        var now = try info(p)
        #expect(now.congestionState == .open)
        let mss = UInt32(p.serverTCB.sendMSS)
        #expect(now.unackedSegments == 10)  // the initial window: 10 segments of the MSS
        sack(&p, [2 * mss..<3 * mss])
        now = try info(p)
        #expect(now.congestionState == .disorder)
        #expect(now.sackedSegments == 1)
        sack(&p, [2 * mss..<3 * mss, 5 * mss..<6 * mss])
        sack(&p, [2 * mss..<3 * mss, 5 * mss..<6 * mss, 7 * mss..<8 * mss])
        now = try info(p)
        #expect(now.congestionState == .recovery)
        #expect(now.sackedSegments == 3)
    }

    @Test func aRetransmissionTimeoutMeansLoss() throws {
        var p = try pair()
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 100), now: p.wire.now)
        // The first expiry is a tail loss probe (no state change), the next the RTO.
        for _ in 0..<2 {
            let due = try #require(p.s.nextDeadline)
            p.wire.now = due
            p.s.advance(to: due)
        }
        #expect(try info(p).congestionState == .loss)
    }

    @Test func anEchoedCongestionMarkMeansCWR() throws {
        var p = try pair(ecn: .request)
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 1000), now: p.wire.now)
        _ = p.s.takePackets()
        let tcb = p.serverTCB
        _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndUna.rawValue, flags: [.ack, .ece],
                                        window: 60000))
        #expect(try info(p).congestionState == .cwr)
    }
}
