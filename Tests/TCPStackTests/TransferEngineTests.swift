import Testing
import TCPWire
@testable import TCPStack

/// The Transfer components inside the engine's `Connection`.
@Suite("Engine with the reassembly queue: out-of-order data, SACK and D-SACK")
struct TransferEngineTests {
    private func bytes(_ n: Int, from start: Int) -> [UInt8] { (start..<start + n).map { UInt8(truncatingIfNeeded: $0) } }

    @Test func outOfOrderDataIsHeldSACKedAndDeliveredWhenTheHoleFills() throws {
        var pair = try Pair(.linux6)
        let tcb = pair.serverTCB
        let base = tcb.rcvNxt.rawValue
        let ack = tcb.sndNxt.rawValue
        // Bytes 100..<200 arrive first: an immediate duplicate ACK with the SACK block [base+100, base+200).
        var replies = pair.injectToServer(pair.toServer(seq: base + 100, ack: ack, flags: .ack,
                                                        payload: bytes(100, from: 100)))
        #expect(replies.count == 1)
        #expect(replies.first?.tcp.acknowledgmentNumber == base)
        #expect(replies.first?.tcp.options.sackBlocks == [SACKBlock(left: base + 100, right: base + 200)])
        // The hole fills: both pieces are delivered, the ACK covers 200 bytes and carries no SACK.
        replies = pair.injectToServer(pair.toServer(seq: base, ack: ack, flags: .ack, payload: bytes(100, from: 0)))
        #expect(replies.last?.tcp.acknowledgmentNumber == base + 200)
        #expect(replies.last?.tcp.options.sackBlocks == [])
        let read = try pair.s.receive(pair.server!, now: pair.wire.now)
        #expect(read == bytes(200, from: 0))
    }

    @Test func partlyDuplicateSegmentGetsADSACKForTheOldPart() throws {
        var pair = try Pair(.linux6)
        let base = pair.serverTCB.rcvNxt.rawValue
        let ack = pair.serverTCB.sndNxt.rawValue
        _ = pair.injectToServer(pair.toServer(seq: base, ack: ack, flags: .ack, payload: bytes(100, from: 0)))
        // [base+50, base+150): 50 bytes old, 50 new. RFC 2883 §4: D-SACK [base+50, base+100), ACK base+150.
        let replies = pair.injectToServer(pair.toServer(seq: base + 50, ack: ack, flags: .ack,
                                                        payload: bytes(100, from: 50)))
        #expect(replies.last?.tcp.acknowledgmentNumber == base + 150)
        #expect(replies.last?.tcp.options.sackBlocks == [SACKBlock(left: base + 50, right: base + 100)])
        #expect(try pair.s.receive(pair.server!, now: pair.wire.now) == bytes(150, from: 0))
    }
}
