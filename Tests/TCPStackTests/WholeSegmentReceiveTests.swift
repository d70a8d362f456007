import Testing
import TCPWire
@testable import TCPStack

/// Linux >= 6.17 `tcp_sequence` / `tcp_data_queue`: an in-order segment that starts in the receive window but ends
/// beyond it is queued whole while the receive queue is empty, and dropped whole otherwise; a FIN that finds the
/// queue over the socket's buffer is ACKed at once (`tcp_try_rmem_schedule` fails: ICSK_ACK_NOW).
@Suite struct WholeSegmentReceiveTests {
    /// A server socket with SO_RCVBUF 20000, connected; the peer's next sequence number and our ISS.
    static func smallBufferPair(_ config: TCPConfiguration) throws -> (Pair, UInt32, UInt32) {
        var p = try Pair(config, connect: false)
        try p.s.setReceiveBufferSize(p.listener, 20000)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        p.server = try p.s.accept(p.listener)
        return (p, p.serverTCB.irs.rawValue &+ 1, p.serverTCB.iss.rawValue &+ 1)
    }

    static func lastAck(_ packets: [IPPacket]) -> UInt32? { packets.last { $0.tcp.flags.contains(.ack) }?.tcp.acknowledgmentNumber }

    @Test func anOversizedInOrderSegmentIsTakenWholeOnAnEmptyQueueAndDroppedWholeOtherwise() throws {
        var config = TCPConfiguration.linux6
        config.timestamps = false
        var (p, next, ack) = try Self.smallBufferPair(config)
        let big = [UInt8](repeating: 1, count: 60000)
        let sent = p.injectToServer(p.toServer(seq: next, ack: ack, flags: .ack, payload: big))
        p.s.advance(to: p.wire.now + .milliseconds(200))
        let acks = sent + p.s.takePackets()
        #expect(Self.lastAck(acks) == next &+ 60000)
        #expect(p.s.readableBytes(of: p.server!) == 60000)
        // The queue is not empty now: the next oversized segment is dropped whole.
        let again = p.injectToServer(p.toServer(seq: next &+ 60000, ack: ack, flags: .ack, payload: big))
        #expect(Self.lastAck(again) == next &+ 60000)
        #expect(p.s.readableBytes(of: p.server!) == 60000)
    }

    @Test func withoutTheRuleTheSegmentIsTrimmedToTheWindow() throws {
        var config = TCPConfiguration.linux6
        config.timestamps = false
        config.wholeSegmentsOnEmptyQueue = false
        var (p, next, ack) = try Self.smallBufferPair(config)
        _ = p.injectToServer(p.toServer(seq: next, ack: ack, flags: .ack, payload: [UInt8](repeating: 1, count: 60000)))
        let taken = try #require(p.s.readableBytes(of: p.server!))
        #expect(taken > 0 && taken < 60000)
    }

    @Test func aFinFindingTheQueueOverTheBufferIsAckedAtOnce() throws {
        var config = TCPConfiguration.linux6
        config.timestamps = false
        var (p, next, ack) = try Self.smallBufferPair(config)
        _ = p.injectToServer(p.toServer(seq: next, ack: ack, flags: .ack, payload: [UInt8](repeating: 1, count: 60000)))
        p.s.advance(to: p.wire.now + .milliseconds(200))
        _ = p.s.takePackets()
        let finAck = p.injectToServer(p.toServer(seq: next &+ 60000, ack: ack, flags: [.fin, .ack]))
        #expect(Self.lastAck(finAck) == next &+ 60001)
    }
}
