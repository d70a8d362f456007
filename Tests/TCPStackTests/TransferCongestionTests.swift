import Testing
@testable import TCPStack

private let mss = 1000

private func dup(_ ack: UInt32, flight: Int, sndNxt: UInt32) -> AckSample {
    AckSample(ack: ack, newlyAcked: 0, isDuplicate: true, flightSize: flight, sndNxt: sndNxt, now: .zero)
}
private func newAck(_ ack: UInt32, acked: Int, flight: Int, sndNxt: UInt32, at ms: Int64 = 0,
                    rtt: Duration? = nil) -> AckSample {
    AckSample(ack: ack, newlyAcked: acked, isDuplicate: false, flightSize: flight, sndNxt: sndNxt,
              now: .milliseconds(ms), smoothedRTT: rtt)
}

@Suite("Congestion control: NewReno (RFC 5681, 6582) and CUBIC (RFC 9438)")
struct TransferCongestionTests {
    @Test func threeDuplicateAcksStartFastRetransmitWithHalvedSsthresh() {
        var cc = NewReno(mss: mss)  // IW 10: cwnd 10000
        #expect(cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) == .none)
        #expect(cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) == .none)
        #expect(cc.cwnd == 10000)
        #expect(cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) == .fastRetransmit)
        #expect(cc.ssthresh == 5000)  // max(10000 / 2, 2 · 1000)
        #expect(cc.cwnd == 8000)  // ssthresh + 3 · SMSS
        #expect(cc.inFastRecovery)
        #expect(cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) == .none)
        #expect(cc.cwnd == 9000)  // inflated by one SMSS per further duplicate
    }

    @Test func partialAcksDeflateRetransmitAndOnlyTheFirstRestartsTheTimer() {
        var cc = NewReno(mss: mss)
        for _ in 0..<3 { _ = cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) }
        #expect(cc.cwnd == 8000)
        // Partial ACK of 2000 bytes: 8000 − 2000 + 1000.
        #expect(cc.ackReceived(newAck(3000, acked: 2000, flight: 8000, sndNxt: 11000))
                == .retransmitAfterPartialAck(restartTimer: true))
        #expect(cc.cwnd == 7000)
        #expect(cc.inFastRecovery)
        // Partial ACK of 500 bytes (less than SMSS): nothing added back, 7000 − 500.
        #expect(cc.ackReceived(newAck(3500, acked: 500, flight: 7500, sndNxt: 11000))
                == .retransmitAfterPartialAck(restartTimer: false))
        #expect(cc.cwnd == 6500)
        // Full ACK (covers recover = 11000) with 3000 bytes of new data in flight: min(5000, 3000 + 1000).
        #expect(cc.ackReceived(newAck(11000, acked: 7500, flight: 3000, sndNxt: 14000)) == .none)
        #expect(cc.cwnd == 4000)
        #expect(!cc.inFastRecovery)
    }

    @Test func fullAckWithNothingInFlightLeavesTwoSegments() {
        var cc = NewReno(mss: mss)
        for _ in 0..<3 { _ = cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) }
        _ = cc.ackReceived(newAck(11000, acked: 10000, flight: 0, sndNxt: 11000))
        #expect(cc.cwnd == 2000)  // min(5000, max(0, 1000) + 1000)
    }

    @Test func duplicateAcksNotBeyondRecoverDoNotStartAnotherRecovery() {
        var cc = NewReno(mss: mss)
        for _ in 0..<3 { _ = cc.ackReceived(dup(1000, flight: 10000, sndNxt: 11000)) }
        _ = cc.ackReceived(newAck(11000, acked: 10000, flight: 4000, sndNxt: 15000))
        let ssthresh = cc.ssthresh
        for _ in 0..<3 { #expect(cc.ackReceived(dup(11000, flight: 4000, sndNxt: 15000)) == .none) }
        #expect(cc.ssthresh == ssthresh)
        _ = cc.ackReceived(newAck(12000, acked: 1000, flight: 3000, sndNxt: 15000))
        var actions: [CongestionAction] = []
        for _ in 0..<3 { actions.append(cc.ackReceived(dup(12000, flight: 3000, sndNxt: 15000))) }
        #expect(actions == [.none, .none, .fastRetransmit])
    }

    @Test func slowStartGrowsByAtMostOneSMSSPerAck() {
        var cc = NewReno(mss: mss)
        _ = cc.ackReceived(newAck(2000, acked: 1000, flight: 9000, sndNxt: 11000))
        #expect(cc.cwnd == 11000)
        _ = cc.ackReceived(newAck(5000, acked: 3000, flight: 6000, sndNxt: 11000))
        #expect(cc.cwnd == 12000)
    }

    @Test func congestionAvoidanceAddsOneSMSSPerWindowAcknowledged() {
        var cc = NewReno(mss: mss)
        cc.window.ssthresh = 10000
        var ack: UInt32 = 1000
        for i in 1...10 {
            ack += 1000
            _ = cc.ackReceived(newAck(ack, acked: 1000, flight: 9000, sndNxt: 20000))
            #expect(cc.cwnd == (i < 10 ? 10000 : 11000))
        }
    }

    @Test func retransmissionTimeoutHalvesFlightAndDropsToOneSegment() {
        var cc = NewReno(mss: mss)
        cc.retransmissionTimeout(flightSize: 8000, sndNxt: 9000, now: .zero)
        #expect(cc.ssthresh == 4000)
        #expect(cc.cwnd == 1000)
        // Duplicate ACKs for data sent before the timeout (below recover) do not trigger fast retransmit.
        for _ in 0..<3 { #expect(cc.ackReceived(dup(1000, flight: 8000, sndNxt: 9000)) == .none) }
    }

    // MARK: CUBIC

    /// Loss at cwnd = 100 segments, then a full ACK leaving cwnd = ssthresh = 70 segments.
    private func cubicAfterLoss() -> Cubic {
        var cc = Cubic(mss: mss, initialSegments: 100)
        for _ in 0..<3 { _ = cc.ackReceived(dup(1000, flight: 100_000, sndNxt: 101_000)) }
        _ = cc.ackReceived(newAck(101_000, acked: 100_000, flight: 90_000, sndNxt: 191_000))
        return cc
    }

    @Test func cubicReducesToBetaPointSevenAndSetsWmax() {
        let cc = cubicAfterLoss()
        #expect(cc.ssthresh == 70_000)
        #expect(cc.cwnd == 70_000)  // min(ssthresh, FlightSize + SMSS)
        #expect(cc.wMax == 100)
    }

    @Test func cubicWindowFollowsTheRFC9438Formula() {
        var cc = cubicAfterLoss()
        _ = cc.ackReceived(newAck(102_000, acked: 1000, flight: 90_000, sndNxt: 191_000, at: 10_000))
        // K = ∛((W_max − cwnd_epoch) / C) = ∛(30 / 0.4) = ∛75 = 4.217163326508746.
        #expect(abs(cc.k - 4.217163326508746) < 1e-9)
        // W_cubic(t) = 0.4 (t − K)³ + 100: 70 at t = 0, 100 at t = K, 130 at t = 2K, 86.6807638 at t = 1 s.
        #expect(abs(cc.wCubic(0) - 70) < 1e-9)
        #expect(abs(cc.wCubic(4.217163326508746) - 100) < 1e-9)
        #expect(abs(cc.wCubic(2 * 4.217163326508746) - 130) < 1e-9)
        #expect(abs(cc.wCubic(1) - 86.68076383512988) < 1e-9)
        #expect(abs(cc.wCubic(2) - 95.64033568663878) < 1e-9)
    }

    @Test func cubicStartsInTheRenoFriendlyRegionThenGrowsTowardTheCubicTarget() {
        var cc = cubicAfterLoss()
        // t = 0: W_cubic(0) = 70 < W_est = 70 + α/70 with α = 3·0.3/1.7 = 0.5294117647: cwnd = W_est = 70.0075630 seg.
        _ = cc.ackReceived(newAck(102_000, acked: 1000, flight: 90_000, sndNxt: 191_000, at: 10_000))
        #expect(cc.cwnd == 70_007)
        #expect(abs(cc.wEst - 70.00756302521009) < 1e-9)
        // t = 1 s, RTT 100 ms: W_cubic(1) = 86.68 > W_est, target = W_cubic(1.1) = 87.8845747;
        // cwnd += (87.8845747 − 70.007) / 70.007 = 0.2553 seg, plus the 0.563 byte carried: 70007 + 255 = 70262.
        _ = cc.ackReceived(newAck(103_000, acked: 1000, flight: 90_000, sndNxt: 192_000, at: 11_000,
                                  rtt: .milliseconds(100)))
        #expect(cc.cwnd == 70_262)
    }

    @Test func cubicFastConvergenceLowersWmaxWhenTheWindowShrinks() {
        var cc = cubicAfterLoss()
        cc.window.cwnd = 90_000
        for _ in 0..<3 { _ = cc.ackReceived(dup(200_000, flight: 90_000, sndNxt: 290_000)) }
        #expect(cc.wMax == 76.5)  // 90 · (1 + 0.7) / 2
        #expect(cc.ssthresh == 63_000)
    }
}
