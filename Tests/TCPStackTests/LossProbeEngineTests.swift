import Testing
import TCPWire
@testable import TCPStack

/// Tail loss probes (RFC 8985 §7; Linux `tcp_schedule_loss_probe`, `tcp_send_loss_probe`, `tcp_process_tlp_ack`).
@Suite("Engine tail loss probes")
struct LossProbeEngineTests {
    private func pair(tlp: Bool = true, sack: Bool = true) throws -> Pair {
        var config = TCPConfiguration.linux6
        config.tailLossProbe = tlp
        config.sack = sack
        return try Pair(config)
    }

    @Test func aLoneUnacknowledgedFINIsProbedBeforeTheRTOWhichThenRunsAgainUnbackedOff() throws {
        var p = try pair()
        try p.s.close(p.server!, now: p.wire.now)
        let fin = try #require(p.s.takePackets().first)
        #expect(fin.tcp.flags == .finAck)
        let rto = p.serverTCB.rto
        let probeAt = try #require(p.s.nextDeadline)
        #expect(probeAt <= p.wire.now + rto)
        p.s.advance(to: probeAt)
        let probe = try #require(p.s.takePackets().first)
        #expect(probe.tcp.flags == .finAck && probe.tcp.sequenceNumber == fin.tcp.sequenceNumber)
        #expect(p.serverTCB.retransmitCount == 0)  // a probe is no timeout
        #expect(p.s.nextDeadline == probeAt + rto)  // tcp_rearm_rto: a whole RTO from the probe
        p.s.advance(to: probeAt + rto)
        #expect(p.s.takePackets().first?.tcp.flags == .finAck)
        #expect(p.serverTCB.retransmitCount == 1)  // now the RTO, backed off
        #expect(p.serverTCB.rto > rto)
    }

    @Test func withoutSACKTheFirstExpiryIsTheRTO() throws {
        var p = try pair(sack: false)
        try p.s.close(p.server!, now: p.wire.now)
        _ = p.s.takePackets()
        let due = try #require(p.s.nextDeadline)
        p.s.advance(to: due)
        #expect(p.s.takePackets().first?.tcp.flags == .finAck)
        #expect(p.serverTCB.retransmitCount == 1)
    }

    @Test func anAckPastAProbeThatRepairedALossReducesCwndOnce() throws {
        var p = try pair()
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 1000), now: p.wire.now)
        _ = p.s.takePackets()
        let due = try #require(p.s.nextDeadline)
        p.wire.now = due
        p.s.advance(to: due)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [1000])  // the tail again
        _ = try p.s.send(p.server!, [UInt8](repeating: 2, count: 100), now: due)
        _ = p.s.takePackets()
        let before = p.serverTCB.cc.cwnd
        let tcb = p.serverTCB
        _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
                                        window: 60000))
        #expect(p.serverTCB.cc.cwnd < before)
        #expect(p.serverTCB.lossProbeHighSeq == nil)
    }
}
