import Testing
@testable import TCPStack

/// The send rule the engine applies to each new segment: Nagle (RFC 1122 §4.2.3.4) and sender silly-window
/// avoidance (RFC 9293 §3.8.6.2.1).
@Suite("Nagle and sender SWS avoidance")
struct SendPolicyTests {
    @Test func nagleHoldsASmallSegmentWhileDataIsUnacknowledged() {
        var p = SendPolicy(mss: 1000, maxSendWindow: 65535)
        #expect(p.nextSegmentSize(queued: 100, usableWindow: 10000, unacknowledged: false, pushed: true) == 100)
        #expect(p.nextSegmentSize(queued: 100, usableWindow: 10000, unacknowledged: true, pushed: true) == 0)
        #expect(p.nextSegmentSize(queued: 1500, usableWindow: 10000, unacknowledged: true, pushed: true) == 1000)
        p.noDelay = true
        #expect(p.nextSegmentSize(queued: 100, usableWindow: 10000, unacknowledged: true, pushed: true) == 100)
    }

    @Test func senderSWSAvoidanceWaitsForHalfTheLargestWindow() {
        let p = SendPolicy(mss: 1000, noDelay: true, maxSendWindow: 1600)
        // 5000 queued, window 500: less than an MSS and less than 1600 / 2: wait.
        #expect(p.nextSegmentSize(queued: 5000, usableWindow: 500, unacknowledged: true, pushed: true) == 0)
        #expect(p.nextSegmentSize(queued: 5000, usableWindow: 800, unacknowledged: true, pushed: true) == 800)
        #expect(p.nextSegmentSize(queued: 5000, usableWindow: 500, unacknowledged: true, pushed: true,
                                  overrideExpired: true) == 500)
    }
}

/// The byte ring under the engine's send and receive buffers.
@Suite("Byte ring")
struct ByteRingTests {
    @Test func ringKeepsOrderAcrossTheStorageWrapAndWhileGrowing() {
        func pattern(_ range: Range<Int>) -> [UInt8] { range.map { UInt8(truncatingIfNeeded: $0 &* 7) } }
        var ring = ByteRing()
        ring.append(pattern(0..<1000))
        ring.discard(900)
        ring.append(pattern(1000..<1500))  // wraps in the 1 KiB store
        #expect(ring.count == 600)
        #expect(ring.bytes(offset: 0, count: 600) == pattern(900..<1500))
        #expect(ring[150] == pattern(1050..<1051)[0])
        ring.append(pattern(1500..<4000))  // grows while wrapped
        #expect(ring.count == 3100)
        #expect(ring.bytes(offset: 50, count: 3050) == pattern(950..<4000))
        #expect(ring.read(2000) == pattern(900..<2900))
        #expect(ring.read(5000) == pattern(2900..<4000))
        #expect(ring.isEmpty)
    }
}
