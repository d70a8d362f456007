import Testing
import TCPWire
@testable import TCPStack

/// `linuxSkbSendQueue`: how much of a write Linux takes (`tcp_sendmsg_locked`, net/ipv4/tcp.c). Data fills skbs of
/// `tcp_xmit_size_goal`; only before a new skb does `sk_stream_memory_free` test the send buffer (payload plus each
/// skb's truesize) and TCP_NOTSENT_LOWAT (`tcp_stream_memory_free`).
@Suite("Linux send admission: skbs, sk_sndbuf by truesize, TCP_NOTSENT_LOWAT per new skb")
struct LinuxSendAdmissionTests {
    /// Linux 6 on a 1500-byte link without timestamps (MSS 1460), TSO as packetdrill's tun device offers it. The
    /// client's window is 64512 bytes, so the size goal is 22 MSS = 32120 (half the window, in whole MSS); cwnd 10.
    private func pair() throws -> Pair {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = 65000
        let p = try Pair(c)
        #expect(p.serverTCB.maxSndWnd == 64512)
        #expect(p.serverTCB.skbSizeGoal(config: c) == 32120)
        return p
    }

    private func write(_ p: inout Pair, _ count: Int) throws -> Int {
        try p.s.send(p.server!, [UInt8](repeating: 1, count: count), now: p.wire.now)
    }

    @Test func aWriteStopsAtTheNotSentLowWaterOnlyWhenItNeedsANewSkb() throws {
        var p = try pair()
        try p.s.setSendBufferSize(p.server!, 200_000)
        try p.s.setNotSentLowWater(p.server!, 4000)
        // Nothing is unsent, so the first skb is taken: 32120 bytes. Full and at the head, it is pushed at once
        // (tcp_push_one): cwnd sends 14600 and the other 17520 become a new tail skb (tso_fragment), which the write
        // fills to the goal again. Only then does a new skb need room: 32120 bytes wait unsent, not below 4000.
        #expect(try write(&p, 100_000) == 46720)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [14600])
        #expect(p.serverTCB.unsentBytes == 32120)
        // The tail skb is full: the next write needs a new skb and gets EAGAIN.
        #expect(throws: SocketError.wouldBlock) { try write(&p, 1) }
    }

    @Test func aHigherLowWaterLetsOneMoreSkbIn() throws {
        var p = try pair()
        try p.s.setSendBufferSize(p.server!, 200_000)
        try p.s.setNotSentLowWater(p.server!, 40000)
        // As above, then 32120 unsent bytes are below 40000: a third skb of 32120; then 64240 are not.
        #expect(try write(&p, 100_000) == 78840)
    }

    @Test func aWriteStopsAtTheSendBufferCountingEachSkbsTruesize() throws {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = 65000
        var p = try Pair(c, connect: false)
        // A 2920-byte window: half of it is one MSS, so every skb holds 1460 bytes.
        try p.c.setReceiveBufferSize(p.client, 4000)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        p.server = try p.s.accept(p.listener)
        #expect(p.serverTCB.maxSndWnd == 2920)
        try p.s.setSendBufferSize(p.server!, 3000)  // sk_sndbuf 6000
        // Before each new skb: 0, then 1460 + 896, then 2920 + 2 x 896 = 4712 are below 6000; 4380 + 3 x 896 = 7068
        // is not. (Payload alone, 6000 / 2 bytes, would have stopped at 3000.)
        #expect(try write(&p, 10000) == 4380)
        // The first skb goes by tcp_push_one, the second by forced_push (2920 bytes past the last PSH, more than half
        // the largest window); the third does not fit the window.
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [1460, 1460])
        #expect(throws: SocketError.wouldBlock) { try write(&p, 1) }
    }

    @Test func theUsualWriteFarBelowTheLimitsIsTakenWhole() throws {
        var p = try pair()
        // tcp_wmem[1] 16384 grown by tcp_sndbuf_expand: 2 x 10 x (roundup_pow_of_two(1460 + 320 + 320) + 256).
        #expect(p.s.skbSendBuffer(slot: p.server!.rawValue) == 87040)
        #expect(try write(&p, 60000) == 60000)
        #expect(p.serverTCB.rareState == nil)
    }

    @Test func withoutTheRuleAWriteTakesHalfTheBufferInPayloadAndTestsTheLowWaterOncePerCall() throws {
        #expect(!TCPConfiguration.freebsd.linuxSkbSendQueue && !TCPConfiguration.rfc9293.linuxSkbSendQueue)
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = 65000
        c.linuxSkbSendQueue = false
        var p = try Pair(c)
        try p.s.setSendBufferSize(p.server!, 200_000)
        try p.s.setNotSentLowWater(p.server!, 4000)
        #expect(try write(&p, 100_000) == 100_000)
        try p.s.setSendBufferSize(p.server!, 3000)
        #expect(throws: SocketError.wouldBlock) { try write(&p, 1) }
    }
}
