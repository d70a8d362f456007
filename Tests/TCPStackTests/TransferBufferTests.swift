import Testing
@testable import TCPStack

@Suite("Send/receive buffers, receive window, Nagle and SWS avoidance, delayed ACK")
struct TransferBufferTests {
    @Test func sendBufferAcceptsUpToCapacityAndWrapsAround() {
        var s = SendBuffer(capacity: 10, startSeq: 100)
        #expect(s.append(Array(0..<12)) == 10)
        #expect(s.acknowledge(upTo: 104) == 4)
        #expect(s.append([20, 21, 22, 23, 24]) == 4)
        var out: [UInt8] = []
        #expect(s.copy(from: 106, maxCount: 100, into: &out) == 8)
        #expect(out == [6, 7, 8, 9, 20, 21, 22, 23])
        #expect(s.endSeq == 114)
        out = []
        #expect(s.copy(from: 99, maxCount: 5, into: &out) == 0)
    }

    @Test func engineRingKeepsOrderAcrossTheStorageWrapAndWhileGrowing() {
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

    @Test func receiveBufferReadsInOrderAcrossTheWrap() {
        var r = ReceiveBuffer(capacity: 8)
        #expect(r.append([1, 2, 3, 4, 5, 6]) == 6)
        var out: [UInt8] = []
        #expect(r.read(maxCount: 4, into: &out) == 4)
        #expect(r.append([7, 8, 9, 10, 11, 12, 13]) == 6)
        #expect(r.freeSpace == 0)
        out = []
        r.read(maxCount: 100, into: &out)
        #expect(out == [5, 6, 7, 8, 9, 10, 11, 12])
    }

    @Test func receiverSWSAvoidanceHoldsTheRightEdgeUntilAnMSSFrees() {
        var w = ReceiveWindow(scale: 0, bufferSize: 65536, mss: 1460)
        #expect(w.advertise(rcvNxt: 0, freeSpace: 65536).bytes == 65535)
        // 60000 bytes arrive unread: the offered window shrinks by them, to 5535.
        #expect(w.advertise(rcvNxt: 60000, freeSpace: 5536).bytes == 5535)
        // The application reads 1000: 6536 free, only 1001 more than offered (< min(32768, 1460)): hold.
        #expect(w.advertise(rcvNxt: 60000, freeSpace: 6536).bytes == 5535)
        // 500 more: 1501 ≥ 1460, open to the free space.
        #expect(w.advertise(rcvNxt: 60000, freeSpace: 7036).bytes == 7036)
    }

    @Test func scaledWindowFieldKeepsTheEdgeButNeverOffersMoreThanTheFreeSpace() {
        var w = ReceiveWindow(scale: 7, bufferSize: 1 << 20, mss: 65483)
        let a = w.advertise(rcvNxt: 0, freeSpace: 1 << 20)
        #expect(a.field == 8192 && a.bytes == 1 << 20)
        // 1000 bytes in, unread: the edge is 1047576 bytes ahead, not a multiple of 128. Rounding up (8185 units,
        // 1047680) would exceed the 1047576 free bytes, so the field rounds down: 8184 (RFC 7323 §2.4).
        let b = w.advertise(rcvNxt: 1000, freeSpace: (1 << 20) - 1000)
        #expect(b.field == 8184 && b.bytes == 1_047_552)
        // The application reads 200 bytes: 224 more than offered is too little to open (SWS): hold.
        let c = w.advertise(rcvNxt: 1000, freeSpace: (1 << 20) - 800)
        #expect(c.field == 8184 && c.bytes == 1_047_552)
        // 100 more bytes arrive: the edge is 1047452 ahead (8183.2 units); rounding up to 8184 fits in 1047700.
        let d = w.advertise(rcvNxt: 1100, freeSpace: 1_047_700)
        #expect(d.field == 8184 && d.bytes == 1_047_552)
    }

    @Test func closedWindowWhenLessThanAnMSSIsFree() {
        var w = ReceiveWindow(scale: 0, bufferSize: 4000, mss: 1000)
        _ = w.advertise(rcvNxt: 0, freeSpace: 4000)
        #expect(w.advertise(rcvNxt: 4000, freeSpace: 0).bytes == 0)
        #expect(w.advertise(rcvNxt: 4000, freeSpace: 999).bytes == 0)
        #expect(w.advertise(rcvNxt: 4000, freeSpace: 1000).bytes == 1000)
    }

    @Test func nagleHoldsASmallSegmentWhileDataIsUnacknowledged() {
        var p = SendPolicy(mss: 1000)
        p.windowOffered(65535)
        #expect(p.nextSegmentSize(queued: 100, usableWindow: 10000, unacknowledged: false, pushed: true) == 100)
        #expect(p.nextSegmentSize(queued: 100, usableWindow: 10000, unacknowledged: true, pushed: true) == 0)
        #expect(p.nextSegmentSize(queued: 1500, usableWindow: 10000, unacknowledged: true, pushed: true) == 1000)
        p.noDelay = true
        #expect(p.nextSegmentSize(queued: 100, usableWindow: 10000, unacknowledged: true, pushed: true) == 100)
    }

    @Test func senderSWSAvoidanceWaitsForHalfTheLargestWindow() {
        var p = SendPolicy(mss: 1000, noDelay: true)
        p.windowOffered(1600)
        // 5000 queued, window 500: less than an MSS and less than 1600 / 2: wait.
        #expect(p.nextSegmentSize(queued: 5000, usableWindow: 500, unacknowledged: true, pushed: true) == 0)
        #expect(p.nextSegmentSize(queued: 5000, usableWindow: 800, unacknowledged: true, pushed: true) == 800)
        #expect(p.nextSegmentSize(queued: 5000, usableWindow: 500, unacknowledged: true, pushed: true,
                                  overrideExpired: true) == 500)
    }

    @Test func delayedAckEverySecondFullSegmentOrAfterTheTimer() {
        var d = DelayedAck.linux
        let ack1 = d.dataReceived(length: 1000, mss: 1000, irregular: false, at: .milliseconds(5))
        #expect(!ack1)
        #expect(d.deadline == .milliseconds(45))
        let ack2 = d.dataReceived(length: 1000, mss: 1000, irregular: false, at: .milliseconds(6))
        #expect(ack2)
        d.ackSent()
        #expect(d.deadline == nil)
        let ack3 = d.dataReceived(length: 10, mss: 1000, irregular: false, at: .milliseconds(10))
        #expect(!ack3)
        let ack4 = d.dataReceived(length: 10, mss: 1000, irregular: false, at: .milliseconds(20))
        #expect(!ack4)
        #expect(!d.isDue(at: .milliseconds(49)))
        #expect(d.isDue(at: .milliseconds(50)))
    }

    @Test func quickAckAfterOutOfOrderData() {
        var linux = DelayedAck.linux
        let ack5 = linux.dataReceived(length: 1000, mss: 1000, irregular: true, at: .zero)
        #expect(ack5)
        var immediate = 0
        for i in 0..<20 where linux.dataReceived(length: 10, mss: 1000, irregular: false, at: .milliseconds(Int64(i))) {
            immediate += 1
            linux.ackSent()
        }
        #expect(immediate == 16)  // TCP_MAX_QUICKACKS
        var rfc = DelayedAck.rfc
        let ack6 = rfc.dataReceived(length: 1000, mss: 1000, irregular: true, at: .zero)
        #expect(ack6)
        let ack7 = rfc.dataReceived(length: 10, mss: 1000, irregular: false, at: .zero)
        #expect(!ack7)
    }
}
