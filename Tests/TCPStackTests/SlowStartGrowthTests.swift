import Testing
@testable import TCPStack

/// Slow start per ACK: RFC 5681 §3.1 eq. (2) adds at most one SMSS; Linux's tcp_slow_start adds every
/// acknowledged segment, up to ssthresh, the rest going to congestion avoidance.
@Suite("Slow-start growth per ACK")
struct SlowStartGrowthTests {
    static func ack(_ bytes: Int, everyByte: Bool) -> AckSample {
        var a = AckSample(ack: UInt32(bytes), newlyAcked: bytes, isDuplicate: false, flightSize: 0, sndNxt: 0,
            now: .zero)
        a.slowStartCountsEveryAckedByte = everyByte
        return a
    }

    @Test func anAckOfTwoSegmentsGrowsCwndByTwoOnLinuxAndOneByTheRFC() {
        var linux = NewReno(mss: 1000, initialSegments: 10)
        _ = linux.ackReceived(Self.ack(2000, everyByte: true))
        #expect(linux.cwnd == 12_000)
        var rfc = NewReno(mss: 1000, initialSegments: 10)
        _ = rfc.ackReceived(Self.ack(2000, everyByte: false))
        #expect(rfc.cwnd == 11_000)
    }

    @Test func growthStopsAtSsthreshAndTheRestIsCongestionAvoidance() {
        var c = NewReno(mss: 1000, initialSegments: 10)
        c.window.ssthresh = 11_000
        _ = c.ackReceived(Self.ack(3000, everyByte: true))
        // 1000 bytes reach ssthresh; the other 2000 count towards avoidance's next SMSS (byte counting).
        #expect(c.cwnd == 11_000)
        _ = c.ackReceived(Self.ack(9000, everyByte: true))
        #expect(c.cwnd == 12_000)
    }

    @Test func theLinuxPersonalitiesCountEveryByte() {
        #expect(TCPConfiguration.linux6.slowStartCountsEveryAckedByte)
        #expect(TCPConfiguration.linux310.slowStartCountsEveryAckedByte)
        #expect(!TCPConfiguration.rfc9293.slowStartCountsEveryAckedByte)
        #expect(!TCPConfiguration.freebsd.slowStartCountsEveryAckedByte)
    }
}
