import Testing
import TCPWire
@testable import TCPStack

/// `linuxSendMarks` and `pushOnOffloadedSegments`: PSH per send call, MSG_MORE, MSG_EOR, TCP_CORK as Linux's
/// `tcp_sendmsg_locked`, `tcp_push` and `tcp_write_xmit` treat them (net/ipv4/tcp.c, tcp_output.c).
@Suite("Linux send queue: PSH marks, MSG_MORE, MSG_EOR, TCP_CORK")
struct LinuxSendQueueTests {
    /// Linux 6 on a 1500-byte link, without timestamps (MSS 1460, and the test's ACKs need none), TSO as
    /// packetdrill's tun device offers it.
    private func pair(offload: Int = 65000, gsoPush: Bool = true) throws -> Pair {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = offload
        c.pushOnOffloadedSegments = gsoPush
        return try Pair(c)
    }

    private func send(_ pair: inout Pair, _ count: Int, _ flags: SendFlags = []) throws -> [TCPSegment] {
        #expect(try pair.s.send(pair.server!, [UInt8](repeating: 1, count: count), flags: flags, now: pair.wire.now) == count)
        return pair.s.takePackets().map(\.tcp)
    }

    /// The client acknowledges everything the server sent so far; returns what the server sends in reply.
    @discardableResult
    private func ackAll(_ pair: inout Pair) -> [TCPSegment] {
        let tcb = pair.serverTCB
        return pair.injectToServer(pair.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
            window: 1000)).map(\.tcp)
    }

    @Test func msgMoreHoldsAPartialSegmentAndTheNextPlainSendPushesAllWithPSH() throws {
        var p = try pair()
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        // tcp_push with MSG_MORE corks (TCP_NAGLE_CORK) even with TCP_NODELAY on.
        #expect(try send(&p, 100, .more).isEmpty)
        #expect(try send(&p, 60, .more).isEmpty)
        let out = try send(&p, 5)
        #expect(out.map(\.payload.count) == [165])
        #expect(out.first?.flags == [.ack, .psh])
    }

    @Test func dataHeldWithNothingInFlightLeavesWithPSHWhenTheProbeTimerFires() throws {
        var p = try pair()
        #expect(try send(&p, 40, .more).isEmpty)
        let rto = p.serverTCB.rto
        p.wire.hosts[0].advance(to: p.wire.now + (rto - .milliseconds(1)))
        #expect(p.s.takePackets().isEmpty)
        // tcp_probe_timer -> tcp_write_wakeup: the head of the unsent data, PSH set.
        p.wire.hosts[0].advance(to: p.wire.now + rto)
        let out = p.s.takePackets().map(\.tcp)
        #expect(out.map(\.payload.count) == [40])
        #expect(out.first?.flags == [.ack, .psh])
        #expect(p.serverTCB.retransmitDeadline != nil)
    }

    @Test func msgMoreTailCarriesNoPSHWhenAnACKReleasesIt() throws {
        var p = try pair()
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        #expect(try send(&p, 100).map(\.payload.count) == [100])
        // In flight, so the MSG_MORE bytes wait; the ACK pushes them under TCP_NODELAY, unmarked.
        #expect(try send(&p, 50, .more).isEmpty)
        let out = ackAll(&p)
        #expect(out.map(\.payload.count) == [50])
        #expect(out.first?.flags == .ack)
    }

    @Test func corkHoldsPartialSegmentsUntilItIsCleared() throws {
        var p = try pair()
        try p.s.setCork(p.server!, true, now: p.wire.now)
        #expect(p.s.cork(of: p.server!) == true)
        #expect(try send(&p, 40).isEmpty)
        #expect(try send(&p, 40).isEmpty)
        try p.s.setCork(p.server!, false, now: p.wire.now)
        let out = p.s.takePackets().map(\.tcp)
        #expect(out.map(\.payload.count) == [80])
        #expect(out.first?.flags == [.ack, .psh])
    }

    @Test func corkStillSendsWholeSegments() throws {
        var p = try pair(offload: 0)
        try p.s.setCork(p.server!, true, now: p.wire.now)
        #expect(try send(&p, 3000).map(\.payload.count) == [1460, 1460])
    }

    @Test func nodelayPushesCorkedDataOnceThenCorkHoldsAgain() throws {
        var p = try pair()
        try p.s.setCork(p.server!, true, now: p.wire.now)
        #expect(try send(&p, 40).isEmpty)
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [40])
        ackAll(&p)
        // TCP_NAGLE_PUSH is spent when the next data starts a new segment: the cork holds it.
        #expect(try send(&p, 40).isEmpty)
    }

    @Test func recordEndStopsASegmentAndOnlyTheTailMeetsNagle() throws {
        var p = try pair()
        #expect(try send(&p, 100).map(\.payload.count) == [100])
        // Minshall's Nagle holds small data while the 100 bytes are unacknowledged.
        #expect(try send(&p, 400, .endOfRecord).isEmpty)
        // The record is no longer the tail, so it goes alone (tcp_write_xmit: TCP_NAGLE_PUSH for earlier skbs);
        // the 300 bytes after it are the tail and wait.
        let out = try send(&p, 300)
        #expect(out.map(\.payload.count) == [400])
        #expect(out.first?.flags == [.ack, .psh])
        #expect(ackAll(&p).map(\.payload.count) == [300])
    }

    @Test func withoutARecordEndSmallWritesJoinOneSegment() throws {
        var p = try pair()
        #expect(try send(&p, 100).map(\.payload.count) == [100])
        #expect(try send(&p, 400).isEmpty)
        #expect(try send(&p, 300).isEmpty)
        #expect(ackAll(&p).map(\.payload.count) == [700])
    }

    @Test func offloadedSegmentCarriesPSHWhenItsLastPacketHoldsMoreThanOneMSS() throws {
        var p = try pair()
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        // MSG_MORE leaves the tail unmarked; the 2920-byte GSO packet gets PSH from __tcp_transmit_skb all the same.
        let out = try send(&p, 3100, .more)
        #expect(out.map(\.payload.count) == [2920])
        #expect(out.first?.flags == [.ack, .psh])
    }

    @Test func beforeLinux420OffloadedSegmentsCarryOnlyThePushMark() throws {
        var p = try pair(gsoPush: false)
        try p.s.setNoDelay(p.server!, true, now: p.wire.now)
        let out = try send(&p, 3100, .more)
        #expect(out.map(\.payload.count) == [2920])
        #expect(out.first?.flags == .ack)
    }

    @Test func tsoAutosizingFollowsThePacingRate() throws {
        let p = try pair()
        var tcb = p.serverTCB
        var config = TCPConfiguration.linux6
        config.segmentOffloadBytes = 65000
        // 10 MSS of 1000 bytes at 200% over 10 ms: 2 MB/s, 1953 bytes a millisecond: tcp_min_tso_segs (2) rules.
        tcb.cc = .reno(NewReno(mss: 1000))
        tcb.rtt = .rfc6298Default
        tcb.rtt.addSample(.milliseconds(10))
        #expect(tcb.tsoSegments(mss: 1000, config: config) == 2)
        // Over 100 us the rate is 200 MB/s and gso_max_size >> (100 >> 9) adds the whole 64 KiB: the limit rules.
        tcb.rtt = .rfc6298Default
        tcb.rtt.addSample(.microseconds(100))
        #expect(tcb.tsoSegments(mss: 1000, config: config) == 65)
    }

    @Test func bsdPersonalityKeepsPSHOnTheSegmentThatEmptiesTheQueue() throws {
        var c = TCPConfiguration.freebsd
        c.interfaceMTU = 1500
        var p = try Pair(c)
        let out = try send(&p, 100, .more)
        #expect(out.map(\.payload.count) == [100])
        #expect(out.first?.flags == [.ack, .psh])
    }

    @Test func notSentLowWaterStopsWritesAndWritabilityUntilTheUnsentBytesDrain() throws {
        var p = try pair()
        try p.s.setSendBufferSize(p.server!, 200_000)
        #expect(p.s.notSentLowWaterOption(of: p.server!) == 0)
        try p.s.setNotSentLowWater(p.server!, 4000)
        #expect(p.s.notSentLowWaterOption(of: p.server!) == 4000)
        #expect(p.s.isWritable(p.server!) == true)
        // cwnd 10 x 1460 goes out; 5400 bytes stay unsent, above the 4000 limit.
        #expect(try send(&p, 20000).map(\.payload.count) == [14600])
        #expect(p.s.isWritable(p.server!) == false)
        // No new skb, but the unsent tail skb still fills to the size goal, 32120 (tcp_sendmsg_locked tests the limit
        // only before a new skb; LinuxSendAdmissionTests).
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: 40000), now: p.wire.now) == 32120 - 5400)
        #expect(throws: SocketError.wouldBlock) {
            try p.s.send(p.server!, [1], now: p.wire.now)
        }
        // The ACK lets cwnd (now 20 x 1460) go; 2920 bytes still wait, and poll's wake test (2 x 2920 < 4000) fails.
        #expect(ackAll(&p).map(\.payload.count) == [29200])
        #expect(p.s.isWritable(p.server!) == false)
        // The next ACK lets the rest go: nothing waits unsent, so the socket is writable again.
        #expect(ackAll(&p).map(\.payload.count) == [2920])
        #expect(p.s.isWritable(p.server!) == true)
    }

    @Test func theSysctlLimitAppliesUntilTheSocketSetsItsOwn() throws {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1500
        c.timestamps = false
        c.segmentOffloadBytes = 65000
        c.notSentLowWater = 1000
        var p = try Pair(c)
        try p.s.setSendBufferSize(p.server!, 200_000)
        #expect(try send(&p, 16000).map(\.payload.count) == [14600])
        #expect(p.s.isWritable(p.server!) == false)
        // A socket value replaces the sysctl (tcp_notsent_lowat: tp->notsent_lowat ?: sysctl); 0 restores it.
        try p.s.setNotSentLowWater(p.server!, 10000)
        #expect(p.s.isWritable(p.server!) == true)
        try p.s.setNotSentLowWater(p.server!, 0)
        #expect(p.s.isWritable(p.server!) == false)
    }

    @Test func msgMorePastHalfTheLargestWindowIsPushedAnyway() throws {
        let p = try pair()
        var tcb = p.serverTCB
        tcb.maxSndWnd = 1000
        // Linux forced_push: write_seq beyond pushed_seq + max_window / 2 marks PSH despite MSG_MORE.
        let start = tcb.dataEnd
        tcb.sendBuffer.append([UInt8](repeating: 1, count: 400)[...])
        let firstCorks = tcb.queued(from: start, flags: .more)
        #expect(firstCorks)
        #expect(tcb.sendMarks.tailUnpushed)
        let next = tcb.dataEnd
        tcb.sendBuffer.append([UInt8](repeating: 1, count: 200)[...])
        let secondCorks = tcb.queued(from: next, flags: .more)
        #expect(secondCorks)
        #expect(!tcb.sendMarks.tailUnpushed)
    }

    @Test func aShortWriteEndsNoRecord() throws {
        var p = try pair()
        try p.s.setSendBufferSize(p.server!, 1000)  // the 4608-byte minimum
        // MSG_EOR marks the record only once all the data is queued (tcp_sendmsg_locked: !msg_data_left). The first
        // skb (the 32120-byte size goal) is taken whatever the buffer; its push sends cwnd, 14600, and the rest refills
        // to the goal; then no new skb fits.
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: 100_000), flags: .endOfRecord, now: p.wire.now) == 46720)
        #expect(p.serverTCB.sendMarks.records.isEmpty)
        ackAll(&p)
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: 100), flags: .endOfRecord, now: p.wire.now) == 100)
        #expect(p.serverTCB.sendMarks.records.map(\.end) == [p.serverTCB.dataEnd])
    }
}
