import Testing
import TCPWire
@testable import TCPStack

private func b(_ l: UInt32, _ r: UInt32) -> SACKBlock { SACKBlock(left: l, right: r) }

@Suite("RFC 6675 SACK scoreboard and RFC 2883 D-SACK on the sender")
struct TransferSACKTests {
    /// Ten 1000-byte segments [1000, 11000) in flight; the receiver holds [2000, 3000) and [4000, 7000).
    private func scoreboard() -> SACKScoreboard {
        var s = SACKScoreboard(sndUna: 1000, mss: 1000)
        s.dataSent(upTo: 11000)
        let u = s.ackReceived(ack: 1000, blocks: [b(4000, 7000), b(2000, 3000)])
        #expect(u.newlySACKed == 4000)
        #expect(u.dsack == nil)
        return s
    }

    @Test func holesAreTheUnSACKedRangesBelowTheHighestSACK() {
        let s = scoreboard()
        #expect(s.sackedBlocks == [b(2000, 3000), b(4000, 7000)])
        #expect(s.holes == [b(1000, 2000), b(3000, 4000)])
    }

    @Test func isLostNeedsThreeSACKedSegmentsAbove() {
        let s = scoreboard()
        #expect(s.isLost(1000))  // 4 SACKed segments above
        #expect(s.isLost(3000))  // 3 above
        #expect(!s.isLost(7000))  // none above
        var two = SACKScoreboard(sndUna: 1000, mss: 1000)
        two.dataSent(upTo: 11000)
        _ = two.ackReceived(ack: 1000, blocks: [b(3000, 5000)])
        #expect(!two.isLost(1000))  // 2 segments, 2000 bytes: not more than (3 − 1) · 1000
    }

    @Test func pipeCountsUnlostUnSACKedBytesPlusRetransmissions() {
        var s = scoreboard()
        // Lost holes count 0; [7000, 11000) is not lost: 4000.
        #expect(s.pipe == 4000)
        #expect(s.nextSegment(newDataAvailable: true) == .retransmit(b(1000, 2000)))  // rule (1)
        #expect(s.highRxt == 2000)
        #expect(s.pipe == 5000)  // the retransmission is in flight
        #expect(s.nextSegment(newDataAvailable: true) == .retransmit(b(3000, 4000)))
        #expect(s.pipe == 6000)
        #expect(s.nextSegment(newDataAvailable: true) == .newData)  // rule (2)
        #expect(s.nextSegment(newDataAvailable: false) == nil)  // nothing left below HighACK
    }

    @Test func nextSegPrefersNewDataOverANotYetLostHoleThenFallsBackToIt() {
        var s = SACKScoreboard(sndUna: 1000, mss: 1000)
        s.dataSent(upTo: 11000)
        _ = s.ackReceived(ack: 1000, blocks: [b(3000, 5000)])
        #expect(s.pipe == 8000)  // nothing lost: all 8000 unSACKed bytes
        #expect(s.nextSegment(newDataAvailable: true) == .newData)
        #expect(s.nextSegment(newDataAvailable: false) == .retransmit(b(1000, 2000)))  // rule (3)
    }

    @Test func cumulativeAckDropsSACKedRangesBelowIt() {
        var s = scoreboard()
        _ = s.ackReceived(ack: 3000, blocks: [b(4000, 7000)])
        #expect(s.sackedBlocks == [b(4000, 7000)])
        #expect(s.holes == [b(3000, 4000)])
        _ = s.ackReceived(ack: 7000, blocks: [])
        #expect(s.sackedBlocks == [])
        #expect(s.holes == [])
        #expect(s.pipe == 4000)
    }

    @Test func firstBlockBelowTheCumulativeAckIsADSACK() {
        var s = scoreboard()
        let u = s.ackReceived(ack: 3000, blocks: [b(1000, 2000), b(4000, 7000)])
        #expect(u.dsack == b(1000, 2000))
        #expect(u.newlySACKed == 0)
    }

    @Test func firstBlockInsideTheSecondIsADSACK() {
        var s = SACKScoreboard(sndUna: 1000, mss: 1000)
        s.dataSent(upTo: 11000)
        let u = s.ackReceived(ack: 1000, blocks: [b(4500, 5000), b(4000, 6000)])
        #expect(u.dsack == b(4500, 5000))
        #expect(s.sackedBlocks == [b(4000, 6000)])
        #expect(u.newlySACKed == 2000)
    }

    @Test func handshakeDSACKOfTheDuplicateSYNIsRecognised() {
        // Linux 6.18 self-connect: ISS 669394854, the final ACK is "ack 1 ... sack 1 {0:1}".
        var s = SACKScoreboard(sndUna: 669_394_855, mss: 65483)
        let u = s.ackReceived(ack: 669_394_855, blocks: [b(669_394_854, 669_394_855)])
        #expect(u.dsack == b(669_394_854, 669_394_855))
        #expect(s.sackedBlocks == [])
    }

    @Test func blocksBeyondWhatWasSentAreIgnored() {
        var s = SACKScoreboard(sndUna: 1000, mss: 1000)
        s.dataSent(upTo: 5000)
        let u = s.ackReceived(ack: 1000, blocks: [b(4000, 6000)])
        #expect(u.newlySACKed == 0)
        #expect(s.sackedBlocks == [])
    }
}
