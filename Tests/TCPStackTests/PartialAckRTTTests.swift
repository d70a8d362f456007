import Testing
import TCPWire
@testable import TCPStack

/// `rttFromPartialAcks`: without timestamps, Linux takes an RTT sample on every ACK of new data from the oldest
/// acknowledged skb (`tcp_clean_rtx_queue`), so an ACK of part of a TSO skb is a sample; RFC 6298 §3 times one
/// segment and samples only the ACK that covers it.
@Suite("RTT samples from ACKs of part of the timed segment")
struct PartialAckRTTTests {
    private func srttAfterPartialAcks(_ partialAcks: Bool) throws -> [Duration?] {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = 65000
        c.rttFromPartialAcks = partialAcks
        var p = try Pair(c)
        let start = p.serverTCB.sndNxt
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: 14600), now: p.wire.now) == 14600)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [14600])  // one offloaded segment, timed, leading
        var srtt: [Duration?] = [p.serverTCB.rtt.smoothedRTT]
        // ACKs of 2 and then 4 MSS, 10 and 20 ms after the send (delivered straight, no timers run between).
        for (acked, ms) in [(2920, 10), (5840, 20)] {
            p.s.receive(p.toServer(seq: p.serverTCB.rcvNxt.rawValue, ack: (start + acked).rawValue, flags: .ack,
                window: 1000), now: p.wire.now + .milliseconds(Int64(ms)))
            srtt.append(p.serverTCB.rtt.smoothedRTT)
        }
        return srtt
    }

    @Test func linuxSamplesEachACKOfPartOfASegmentThatLedTheFlight() throws {
        let srtt = try srttAfterPartialAcks(true)
        // Samples of 10 ms and 20 ms after the handshake's (RFC 6298 §2.3: SRTT = 7/8 SRTT + 1/8 R).
        let first = try #require(srtt[0])
        let afterOne = first * 7 / 8 + .milliseconds(10) / 8
        #expect(srtt[1] == afterOne)
        #expect(srtt[2] == afterOne * 7 / 8 + .milliseconds(20) / 8)
    }

    @Test func withoutItOnlyTheACKThatCoversTheTimedSegmentIsASample() throws {
        let srtt = try srttAfterPartialAcks(false)
        #expect(srtt[1] == srtt[0])
        #expect(srtt[2] == srtt[0])
    }
}
