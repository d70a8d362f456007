import Testing
@testable import TCPStack

private func ms(_ v: Int64) -> Duration { .milliseconds(v) }
private func at(_ v: Int64) -> Instant { .milliseconds(v) }

@Suite("RFC 6298 retransmission timeout")
struct TransferRTOTests {
    @Test func firstSampleSetsSRTTAndHalfVarianceAndRFCMinimumClampsTo1s() {
        var e = RTOEstimator(parameters: .rfc6298)
        #expect(e.rto == .seconds(1))  // §2.1 initial
        e.addSample(ms(300))
        #expect(e.smoothedRTT == ms(300))
        #expect(e.rttVariance == ms(150))
        // 300 + 4·150 = 900 ms, below the 1 s minimum of §2.4.
        #expect(e.rto == .seconds(1))
    }

    @Test func secondSampleUsesAlphaEighthBetaQuarter() {
        var e = RTOEstimator(parameters: .linux)
        e.addSample(ms(300))
        #expect(e.rto == ms(900))  // 300 + max(4·150, 200)
        e.addSample(ms(500))
        // RTTVAR = 3/4·150 + 1/4·|300 − 500| = 162.5; SRTT = 7/8·300 + 1/8·500 = 325; RTO = 325 + 4·162.5 = 975.
        #expect(e.rttVariance == .microseconds(162_500))
        #expect(e.smoothedRTT == ms(325))
        #expect(e.rto == ms(975))
    }

    @Test func linuxFloorsTheVarianceTermWhereTheRFCClampsTheTotal() {
        var rfc = RTOEstimator(parameters: .rfc6298)
        var linux = RTOEstimator(parameters: .linux)
        rfc.addSample(ms(10))
        linux.addSample(ms(10))
        #expect(rfc.rto == .seconds(1))
        #expect(linux.rto == ms(210))  // 10 + max(4·5, 200)
    }

    @Test func backoffDoublesUpToTheRFCMaximumOf60s() {
        var e = RTOEstimator(parameters: .rfc6298)
        var seen: [Duration] = []
        for _ in 0..<8 {
            e.backOff()
            seen.append(e.rto)
        }
        #expect(seen == [2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
    }

    @Test func linuxBackoffFrom201msCapsAt120s() {
        var e = RTOEstimator(parameters: .linux)
        e.addSample(ms(1))  // 1 + max(2, 200) = 201 ms
        #expect(e.rto == ms(201))
        var seen: [Duration] = []
        for _ in 0..<11 {
            e.backOff()
            seen.append(e.rto)
        }
        let expected: [Int64] = [402, 804, 1608, 3216, 6432, 12864, 25728, 51456, 102_912, 120_000, 120_000]
        #expect(seen == expected.map { ms($0) })
    }
}
