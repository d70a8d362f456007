import Testing
import TCPWire
@testable import TCPStack

/// `rttFromPartialAcks`: without timestamps, Linux stamps every skb with its send time (`skb_mstamp_ns`) and takes
/// an RTT sample on every ACK of new data from the oldest acknowledged skb (`tcp_clean_rtx_queue`, `first_ackt`).
/// So an ACK of part of a TSO skb is a sample, and so is each ACK of a burst sent at one instant after a timed
/// segment that leads the flight. RFC 6298 §3 times one segment and samples only the ACK that covers it.
///
/// Sends `bytes` from a linux-6 server with the given offload, checks the segment sizes, then delivers ACKs of
/// `acks` (bytes acknowledged, ms after the send) straight, no timers run between; returns SRTT before and after each.
private func srttAfterAcks(partialAcks: Bool, offload: Int, bytes: Int, segments: [Int], acks: [(bytes: Int, ms: Int)])
    throws -> [Duration?]
{
    var c = TCPConfiguration.linux6
    c.interfaceMTU = 1500
    c.timestamps = false
    c.segmentOffloadBytes = offload
    c.rttFromPartialAcks = partialAcks
    var p = try Pair(c)
    let start = p.serverTCB.sndNxt
    #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: bytes), now: p.wire.now) == bytes)
    #expect(p.s.takePackets().map(\.tcp.payload.count) == segments)
    var srtt: [Duration?] = [p.serverTCB.rtt.smoothedRTT]
    for (acked, ms) in acks {
        p.s.receive(p.toServer(seq: p.serverTCB.rcvNxt.rawValue, ack: (start + acked).rawValue, flags: .ack,
            window: 1000), now: p.wire.now + .milliseconds(Int64(ms)))
        srtt.append(p.serverTCB.rtt.smoothedRTT)
    }
    return srtt
}

@Suite("RTT samples from ACKs of part of the timed segment")
struct PartialAckRTTTests {
    /// One offloaded 14600-byte segment, timed and leading; ACKs of 2 and then 4 MSS at 10 and 20 ms.
    private func srttAfterPartialAcks(_ partialAcks: Bool) throws -> [Duration?] {
        try srttAfterAcks(partialAcks: partialAcks, offload: 65000, bytes: 14600, segments: [14600],
            acks: [(2920, 10), (5840, 20)])
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

@Suite("RTT samples from ACKs of a burst sent at one instant")
struct BurstRTTTests {
    /// Four 1460-byte segments in one burst at one instant; ACKs of 1, 2 and 3 of them at 10, 20 and 30 ms.
    private func srttAfterBurstAcks(_ partialAcks: Bool) throws -> [Duration?] {
        try srttAfterAcks(partialAcks: partialAcks, offload: 0, bytes: 4 * 1460, segments: [1460, 1460, 1460, 1460],
            acks: [(1460, 10), (2920, 20), (4380, 30)])
    }

    @Test func linuxSamplesEveryACKOfTheBurstFromItsSendTime() throws {
        let srtt = try srttAfterBurstAcks(true)
        // RFC 6298 §2.3: SRTT = 7/8 SRTT + 1/8 R, with R = 10, 20 and 30 ms after the handshake's sample.
        var expected = try #require(srtt[0])
        for (i, ms) in [10, 20, 30].enumerated() {
            expected = expected * 7 / 8 + .milliseconds(Int64(ms)) / 8
            let actual = try #require(srtt[i + 1])
            #expect(actual - expected < .microseconds(1) && expected - actual < .microseconds(1))  // the estimator keeps whole nanoseconds
        }
    }

    @Test func withoutItOnlyTheACKOfTheTimedSegmentIsASample() throws {
        let srtt = try srttAfterBurstAcks(false)
        let first = try #require(srtt[0])
        #expect(srtt[1] == first * 7 / 8 + .milliseconds(10) / 8)
        #expect(srtt[2] == srtt[1])
        #expect(srtt[3] == srtt[1])
    }
}
