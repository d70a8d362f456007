import Testing
import TCPWire
@testable import TCPStack

/// Delayed ACK inside the engine (RFC 1122 §4.2.3.2, RFC 9293 §3.8.6.3, RFC 5681 §4.2; Linux tcp_input.c): the
/// test plays the client and sends crafted data segments to the server (full-sized segments are 1000 bytes).
@Suite("Engine delayed ACK")
struct DelayedAckEngineTests {
    private static func pair(_ base: TCPConfiguration) throws -> Pair {
        var c = base
        c.interfaceMTU = 1040
        c.timestamps = false
        return try Pair(c)
    }

    private func data(_ p: Pair, at offset: Int, _ count: Int, push: Bool = false) -> IPPacket {
        let tcb = p.serverTCB
        return p.toServer(seq: tcb.irs.rawValue &+ 1 &+ UInt32(offset), ack: tcb.sndNxt.rawValue,
            flags: push ? [.ack, .psh] : .ack, window: 65535, payload: [UInt8](repeating: 1, count: count))
    }

    @Test func linuxAcksDataWithFINAtOnceWhenTheRoundedWindowDoesNotShrink() throws {
        // __tcp_ack_snd_check: more than one full segment unacknowledged and __tcp_select_window (the free space
        // rounded up to the scale unit) at least the announced window: ACK now, although tcp_fin entered pingpong.
        var p = try Self.pair(.linux6)
        let s = p.server!
        #expect(p.serverTCB.windowScalingEnabled && p.serverTCB.rcvWscale > 0)
        #expect(!p.injectToServer(data(p, at: 0, 5000)).isEmpty)
        #expect(try p.s.receive(s, maxBytes: 5000, now: p.wire.now).count == 5000)
        var withFin = data(p, at: 5000, 5000)
        withFin.tcp.flags = [.ack, .fin]
        withFin.fillChecksums()
        let answer = p.injectToServer(withFin)
        #expect(answer.map(\.tcp.acknowledgmentNumber) == [p.serverTCB.irs.rawValue &+ 10002])
    }

    @Test func rfc9293AcksEverySecondFullSegmentAndALoneOneAfter200ms() throws {
        var p = try Self.pair(.rfc9293)
        #expect(p.injectToServer(data(p, at: 0, 1000)).isEmpty)
        let second = p.injectToServer(data(p, at: 1000, 1000))
        #expect(second.map(\.tcp.acknowledgmentNumber) == [p.serverTCB.irs.rawValue &+ 2001])
        #expect(p.injectToServer(data(p, at: 2000, 1000)).isEmpty)
        p.s.advance(to: p.wire.now + .milliseconds(199))
        #expect(p.s.takePackets().isEmpty)
        p.s.advance(to: p.wire.now + .milliseconds(200))
        #expect(p.s.takePackets().map(\.tcp.acknowledgmentNumber) == [p.serverTCB.irs.rawValue &+ 3001])
    }

    @Test func outOfOrderDataAndTheSegmentFillingTheHoleAreAckedAtOnce() throws {
        var p = try Self.pair(.rfc9293)
        let irs = p.serverTCB.irs.rawValue
        // RFC 5681 §4.2: a duplicate ACK for out-of-order data, an immediate ACK when the hole fills.
        #expect(p.injectToServer(data(p, at: 1000, 500)).map(\.tcp.acknowledgmentNumber) == [irs &+ 1])
        #expect(p.injectToServer(data(p, at: 0, 1000)).map(\.tcp.acknowledgmentNumber) == [irs &+ 1501])
    }

    @Test func switchedOffEverySegmentIsAckedAtOnce() throws {
        var config = TCPConfiguration.rfc9293
        config.delayedAck = .off
        var p = try Self.pair(config)
        for i in 0..<3 { #expect(p.injectToServer(data(p, at: i * 100, 100)).count == 1) }
    }

    @Test func linuxAcksTheFirstSegmentsAtOnceInQuickAckMode() throws {
        var p = try Self.pair(.linux6)
        // tcp_incr_quickack: up to min(rcv_wnd / (2 rcv_mss), 16) ACKs go out at once.
        for i in 0..<16 { #expect(p.injectToServer(data(p, at: i * 100, 100, push: true)).count == 1) }
        #expect(p.injectToServer(data(p, at: 1600, 100, push: true)).isEmpty)
        // tcp_send_delayed_ack: ATO 40 ms (TCP_ATO_MIN), ACKed by the timer.
        let due = try #require(p.serverTCB.delack.deadline)
        #expect(due == p.wire.now + .milliseconds(40))
    }

    @Test func linuxReaderThatEmptiesTheBufferSendsTheHeldAckOfAPushedWrite() throws {
        var p = try Self.pair(.linux6)
        for i in 0..<17 { _ = p.injectToServer(data(p, at: i * 100, 100, push: true)) }
        #expect(p.serverTCB.delack.deadline != nil)
        // tcp_cleanup_rbuf: a read that leaves data behind sends nothing ...
        _ = try p.s.receive(p.server!, maxBytes: 1000, now: p.wire.now)
        #expect(p.s.takePackets().isEmpty)
        // ... the one that empties the buffer sends the ACK at once (ICSK_ACK_PUSHED, not interactive).
        _ = try p.s.receive(p.server!, now: p.wire.now)
        #expect(p.s.takePackets().map(\.tcp.acknowledgmentNumber) == [p.serverTCB.irs.rawValue &+ 1701])
        #expect(p.serverTCB.delack.deadline == nil)
    }

    @Test func linuxPingpongModeLetsTheAckOfARequestRideOnTheReply() throws {
        var p = try Self.pair(.linux6)
        _ = p.injectToServer(data(p, at: 0, 10, push: true))  // quick-ACKed
        // The server answers within the ATO: interactive (tcp_event_data_sent -> pingpong mode).
        _ = try p.s.send(p.server!, [1, 2, 3], now: p.wire.now)
        _ = p.s.takePackets()
        #expect(p.serverTCB.delack.pingpong)
        // The next request is not ACKed at once; the reply carries the ACK.
        #expect(p.injectToServer(data(p, at: 10, 10, push: true)).isEmpty)
        _ = try p.s.send(p.server!, [4], now: p.wire.now)
        let reply = p.s.takePackets()
        #expect(reply.map(\.tcp.acknowledgmentNumber) == [p.serverTCB.irs.rawValue &+ 21])
        #expect(reply.first?.tcp.payload == [4])
        #expect(p.serverTCB.delack.deadline == nil)
    }
}
