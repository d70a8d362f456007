import Testing
import TCPWire
@testable import TCPStack

private func b(_ l: UInt32, _ r: UInt32) -> SACKBlock { SACKBlock(left: l, right: r) }

/// Bytes of a test stream: byte at sequence s is a function of s.
private func payload(_ from: UInt32, _ to: UInt32) -> Payload {
    Payload((0..<Int(to &- from)).map { UInt8(truncatingIfNeeded: (from &+ UInt32($0)) &* 7 &+ 3) })
}

@Suite("Reassembly queue, SACK and D-SACK generation on the receiver")
struct TransferReassemblyTests {
    @Test func outOfOrderSegmentsAreQueuedThenDeliveredWhenTheHoleFills() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        var got: [UInt8] = []
        let o1 = q.receive(seq: 2000, payload: payload(2000, 3000)) { got += $0 }
        #expect(o1.delivered == 0 && o1.outOfOrder)
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(2000, 3000)])
        _ = q.receive(seq: 4000, payload: payload(4000, 5000)) { got += $0 }
        // RFC 2018 §4: the block with the latest segment first.
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(4000, 5000), b(2000, 3000)])
        let o3 = q.receive(seq: 1000, payload: payload(1000, 2000)) { got += $0 }
        #expect(o3.delivered == 2000)
        #expect(o3.filledHole)
        #expect(q.rcvNxt == 3000)
        #expect(got == Array(payload(1000, 3000)))
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(4000, 5000)])
    }

    @Test func recentlyChangedBlockMovesToTheFront() {
        var q = ReassemblyQueue(rcvNxt: 0)
        for s: UInt32 in [1000, 3000, 5000] { _ = q.receive(seq: s, payload: payload(s, s + 500)) { _ in } }
        #expect(q.takeSACKBlocks(maxBlocks: 4) == [b(5000, 5500), b(3000, 3500), b(1000, 1500)])
        _ = q.receive(seq: 1500, payload: payload(1500, 1600)) { _ in }
        #expect(q.takeSACKBlocks(maxBlocks: 4) == [b(1000, 1600), b(5000, 5500), b(3000, 3500)])
        #expect(q.takeSACKBlocks(maxBlocks: 2) == [b(1000, 1600), b(5000, 5500)])
    }

    @Test func duplicateBelowRcvNxtIsReportedOnceAsDSACK() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        _ = q.receive(seq: 1000, payload: payload(1000, 2000)) { _ in }
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [])
        let o = q.receive(seq: 1000, payload: payload(1000, 2000)) { _ in Issue.record("delivered twice") }
        #expect(o.duplicateBytes == 1000)
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(1000, 2000)])
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [])  // RFC 2883 §4: reported once
    }

    @Test func duplicateAboveRcvNxtIsFollowedByItsContainingBlock() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        _ = q.receive(seq: 3000, payload: payload(3000, 5000)) { _ in }
        _ = q.receive(seq: 7000, payload: payload(7000, 8000)) { _ in }
        let o = q.receive(seq: 3500, payload: payload(3500, 4000)) { _ in }
        #expect(o.duplicateBytes == 500)
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(3500, 4000), b(3000, 5000), b(7000, 8000)])
    }

    @Test func partlyNewSegmentStoresOnlyTheNewBytesAndDSACKsTheRest() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        _ = q.receive(seq: 2000, payload: payload(2000, 3000)) { _ in }
        let o = q.receive(seq: 2500, payload: payload(2500, 3500)) { _ in }
        #expect(o.duplicateBytes == 500)
        #expect(q.queuedBytes == 1500)
        #expect(q.queuedBlocks == [b(2000, 3500)])
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(2500, 3000), b(2000, 3500)])
    }

    @Test func duplicateSYNOfTheSelfConnectHandshakeGivesSack0to1() {
        // Linux 6.18 capture: ISS 669394854; the third segment is "ack 1 ... sack 1 {0:1}", i.e. the block
        // [ISS, ISS + 1) below RCV.NXT = ISS + 1, already acknowledged.
        var q = ReassemblyQueue(rcvNxt: 669_394_855)
        q.noteDuplicate(b(669_394_854, 669_394_855))
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(669_394_854, 669_394_855)])
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [])
    }

    @Test func advancingPastAControlBitDropsWhatLiesBelow() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        _ = q.receive(seq: 1500, payload: payload(1500, 2000)) { _ in }
        q.advance(to: 1700)
        #expect(q.rcvNxt == 1700)
        #expect(q.queuedBlocks == [b(1700, 2000)])
        var got: [UInt8] = []
        _ = q.receive(seq: 1700, payload: payload(1700, 1800)) { got += $0 }
        #expect(got == Array(payload(1700, 2000)))
        // Empty, it takes any RCV.NXT, as a connection sets IRS + 1.
        q.advance(to: 5)
        #expect(q.rcvNxt == 5)
    }

    @Test func duplicatesAreNotReportedWhenDSACKIsOff() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        q.reportsDSACK = false
        _ = q.receive(seq: 1000, payload: payload(1000, 1100)) { _ in }
        let o = q.receive(seq: 1000, payload: payload(1000, 1100)) { _ in }
        q.noteDuplicate(b(999, 1000))
        #expect(o.duplicateBytes == 100)
        #expect(q.takeSACKBlocks(maxBlocks: 4) == [])
    }

    @Test func sequenceWrapIsHandled() {
        var q = ReassemblyQueue(rcvNxt: 0xFFFF_FF00)
        var got: [UInt8] = []
        _ = q.receive(seq: 0x0000_0080, payload: payload(0x80, 0x100)) { got += $0 }
        let o = q.receive(seq: 0xFFFF_FF00, payload: payload(0xFFFF_FF00, 0x80)) { got += $0 }
        #expect(o.delivered == 0x200)
        #expect(q.rcvNxt == 0x100)
        #expect(got == Array(payload(0xFFFF_FF00, 0x100)))
    }

    @Test func neverHoldsAByteTwiceOverRandomOverlappingSegments() {
        var totalSegments = 0
        for seed in UInt64(1)...300 {
            var rng = SeededRandom(seed: seed)
            let length = Int.random(in: 1...20_000, using: &rng)
            let base = UInt32.random(in: 0...UInt32.max, using: &rng)  // exercises wrap-around too
            let stream = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var q = ReassemblyQueue(rcvNxt: base)
            var delivered: [UInt8] = []
            var seen = [Bool](repeating: false, count: length)  // the model: offsets received at least once
            var receivedUpTo = 0
            var rounds = 0
            while delivered.count < length {
                rounds += 1
                totalSegments += 1
                // Mostly random overlapping segments; every fourth one starts at the first missing byte.
                let start = rounds % 4 == 0 ? delivered.count : Int.random(in: 0..<length, using: &rng)
                let end = Swift.min(length, start + Int.random(in: 1...3000, using: &rng))
                let before = (start..<end).filter { seen[$0] }.count
                let o = q.receive(seq: base &+ UInt32(start), payload: Payload(stream).extracting(start..<end)) { delivered += $0 }
                #expect(o.duplicateBytes == before, "seed \(seed)")
                for i in start..<end { seen[i] = true }
                while receivedUpTo < length, seen[receivedUpTo] { receivedUpTo += 1 }
                // Queued bytes are exactly the model's bytes above RCV.NXT, in disjoint non-adjacent blocks.
                let modelQueued = (receivedUpTo..<length).filter { seen[$0] }.count
                #expect(q.queuedBytes == modelQueued, "seed \(seed)")
                let blocks = q.queuedBlocks
                #expect(blocks.reduce(0) { $0 + Int($1.right &- $1.left) } == modelQueued)
                for (x, y) in zip(blocks, blocks.dropFirst()) {
                    #expect(Int32(bitPattern: y.left &- x.right) > 0, "seed \(seed): blocks overlap or touch")
                }
                #expect(delivered.count == receivedUpTo)
                if rounds > 100_000 { break }
            }
            #expect(delivered == stream, "seed \(seed)")
        }
        #expect(totalSegments > 3000)
    }
}
