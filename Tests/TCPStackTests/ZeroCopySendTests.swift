import Testing
import TCPWire
@testable import TCPStack

/// Zero-copy payloads in the engine: a transmitted segment's payload is a view into the send queue's storage,
/// the queue never writes bytes a segment still views, and received views are copied once, into the receive
/// buffer.
@Suite("Zero-copy send queue: segments view the queue, later writes never alter them")
struct ZeroCopySendTests {
    private func bytes(_ n: Int, from start: Int = 0) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: ($0 + start) &* 31 &+ 7) }
    }

    private func pair() throws -> Pair {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        return try Pair(c)
    }

    @Test func aTransmittedSegmentSharesStorageWithTheSendQueue() throws {
        var p = try pair()
        let data = bytes(1000)
        #expect(try p.s.send(p.server!, data, now: p.wire.now) == 1000)
        let sent = p.s.takePackets().filter { !$0.tcp.payload.isEmpty }
        #expect(sent.map(\.tcp.payload.count) == [1000])
        let queued = p.serverTCB.sendBuffer.bytes(offset: 0, count: 1000)
        #expect(sent[0].tcp.payload.sharesStorage(with: queued))
        #expect(sent[0].tcp.payload == data)
    }

    @Test func laterWritesAndAcknowledgmentsNeverAlterAnEmittedSegment() throws {
        var p = try pair()
        let first = bytes(700)
        _ = try p.s.send(p.server!, first, now: p.wire.now)
        let emitted = p.s.takePackets().filter { !$0.tcp.payload.isEmpty }
        #expect(emitted.count == 1)
        // Everything acknowledged, then new bytes written into the same chunk's free space, and sent.
        let tcb = p.serverTCB
        _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack, window: 5000))
        #expect(p.serverTCB.sendBuffer.count == 0)
        let second = bytes(700, from: 99)
        _ = try p.s.send(p.server!, second, now: p.wire.now)
        let next = p.s.takePackets().filter { !$0.tcp.payload.isEmpty }
        #expect(next.map(\.tcp.payload) == [Payload(second)])
        #expect(next[0].tcp.payload.sharesStorage(with: emitted[0].tcp.payload))
        #expect(emitted[0].tcp.payload == first)
    }

    @Test func aCopiedQueueNeverWritesBytesTheOtherCopyHolds() {
        var q = PayloadQueue()
        q.append(bytes(100))
        var copy = q
        q.append(bytes(50, from: 1))
        copy.append(bytes(50, from: 2))
        #expect(q.bytes(offset: 0, count: 150) == bytes(100) + bytes(50, from: 1))
        #expect(copy.bytes(offset: 0, count: 150) == bytes(100) + bytes(50, from: 2))
        // The first copy to claim the free space filled it in place; the other started a new chunk.
        #expect(q.bytes(offset: 0, count: 150).sharesStorage(with: q.bytes(offset: 0, count: 1)))
        #expect(!copy.bytes(offset: 100, count: 50).sharesStorage(with: copy.bytes(offset: 0, count: 1)))
    }

    @Test func aSegmentSpanningTwoChunksHoldsTheRightBytes() {
        var q = PayloadQueue()
        let data = bytes(3 * PayloadQueue.smallestChunk)
        // Small writes fill a small first chunk; the rest goes to a second one.
        q.append(data[0..<100])
        q.append(data[100...])
        #expect(q.count == data.count)
        #expect(q.bytes(offset: 0, count: data.count) == data)
        #expect(q.bytes(offset: 50, count: 1000) == Array(data[50..<1050]))
        #expect(q[1500] == data[1500])
        q.discard(1024)
        #expect(q.bytes(offset: 0, count: q.count) == Array(data[1024...]))
        #expect(q.storageBytes > 0)
        q.removeAll()
        #expect(q.isEmpty && q.storageBytes == 0)
    }

    @Test func aUsedUpChunkIsWrittenAgainOnlyOnceNoSegmentViewsIt() {
        for holdsAView in [false, true] {
            var q = PayloadQueue()
            q.append(bytes(1000))
            let first = q.storageBytes
            // The first chunk filled, ten bytes into a second one; then the first acknowledged.
            q.append(bytes(first - 1000 + 10, from: 1))
            let address = q.bytes(offset: 0, count: 1).withUnsafeBytes { $0.baseAddress }
            let held = holdsAView ? q.bytes(offset: 0, count: 1000) : Payload()
            q.discard(first)
            let total = q.storageBytes
            // Fill the second chunk, then five bytes more: the used-up first chunk takes them if nothing views it.
            q.append(bytes(total - first - 10, from: 2))
            q.append(bytes(5, from: 3))
            let tail = q.bytes(offset: q.count - 5, count: 5)
            #expect(tail == bytes(5, from: 3))
            if holdsAView {
                #expect(q.storageBytes > total)
                #expect(tail.withUnsafeBytes { $0.baseAddress } != address)
                #expect(held == bytes(1000))
            } else {
                #expect(q.storageBytes == total)
                #expect(tail.withUnsafeBytes { $0.baseAddress } == address)
            }
        }
    }

    @Test func outOfOrderDataHeldAsAViewIsDeliveredIntactOnceTheHoleFills() throws {
        var p = try pair()
        let tcb = p.serverTCB
        let data = bytes(600)
        // The late segment as it came off the wire: the queue keeps a view of its bytes, not a copy.
        let wire = try IPPacket(
            parsing: p.toServer(seq: (tcb.rcvNxt + 300).rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
                payload: Array(data[300...])).bytes(checksums: .fill),
            verifyChecksums: true)
        _ = p.injectToServer(wire)
        #expect(p.serverTCB.reassembly.queuedBytes == 300)
        _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
            payload: Array(data[..<300])))
        #expect(try p.s.receive(p.server!, maxBytes: 1000, now: p.wire.now) == data)
    }
}
