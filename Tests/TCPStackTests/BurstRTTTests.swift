import Testing
import TCPWire
@testable import TCPStack

/// Linux stamps every skb with its send time (`skb_mstamp_ns`) and samples the RTT on each ACK of new data from the
/// oldest skb it acknowledges (`tcp_clean_rtx_queue`, `first_ackt`). Segments sent back to back at one instant
/// after a timed segment that leads the flight share its send time, so under `rttFromPartialAcks` each ACK of any of
/// them is a sample; RFC 6298 §3 samples only the ACK that covers the one timed segment.
@Suite("RTT samples from ACKs of a burst sent at one instant")
struct BurstRTTTests {
    private func srttAfterAcks(_ partialAcks: Bool) throws -> [Duration?] {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = 0
        c.rttFromPartialAcks = partialAcks
        var p = try Pair(c)
        let start = p.serverTCB.sndNxt
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: 4 * 1460), now: p.wire.now) == 4 * 1460)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [1460, 1460, 1460, 1460])  // one burst, one instant
        var srtt: [Duration?] = [p.serverTCB.rtt.smoothedRTT]
        // ACKs of 1, 2 and 3 segments, 10, 20 and 30 ms after the send (delivered straight, no timers run between).
        for (segments, ms) in [(1, 10), (2, 20), (3, 30)] {
            p.s.receive(p.toServer(seq: p.serverTCB.rcvNxt.rawValue, ack: (start + segments * 1460).rawValue,
                flags: .ack, window: 1000), now: p.wire.now + .milliseconds(Int64(ms)))
            srtt.append(p.serverTCB.rtt.smoothedRTT)
        }
        return srtt
    }

    @Test func linuxSamplesEveryACKOfTheBurstFromItsSendTime() throws {
        let srtt = try srttAfterAcks(true)
        // RFC 6298 §2.3: SRTT = 7/8 SRTT + 1/8 R, with R = 10, 20 and 30 ms after the handshake's sample.
        var expected = try #require(srtt[0])
        for (i, ms) in [10, 20, 30].enumerated() {
            expected = expected * 7 / 8 + .milliseconds(Int64(ms)) / 8
            let actual = try #require(srtt[i + 1])
            #expect(actual - expected < .microseconds(1) && expected - actual < .microseconds(1))  // the estimator keeps whole nanoseconds
        }
    }

    @Test func withoutItOnlyTheACKOfTheTimedSegmentIsASample() throws {
        let srtt = try srttAfterAcks(false)
        let first = try #require(srtt[0])
        #expect(srtt[1] == first * 7 / 8 + .milliseconds(10) / 8)
        #expect(srtt[2] == srtt[1])
        #expect(srtt[3] == srtt[1])
    }
}
