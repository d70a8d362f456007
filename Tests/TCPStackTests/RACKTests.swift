import Testing
import TCPWire
@testable import TCPStack

/// RACK loss detection (RFC 8985 §6; Linux net/ipv4/tcp_recovery.c) and PRR (RFC 6937; Linux
/// `tcp_cwnd_reduction`), on the state alone and through the engine.
@Suite("RACK and PRR")
struct RACKTests {
    private static let t0 = Instant.milliseconds(100)
    private static func ms(_ m: Int64) -> Instant { Instant(nanoseconds: t0.nanoseconds + m * 1_000_000) }
    private static func block(_ l: UInt32, _ r: UInt32) -> SACKBlock { SACKBlock(left: l, right: r) }

    /// Ten 1000-byte segments [1, 10001) sent at t0, RTT 100 ms.
    private func flight() -> RACKState {
        var r = RACKState(mss: 1000)
        r.noteRTT(100_000_000)
        r.sent(from: SeqNum(1), at: Self.t0)
        return r
    }

    private mutating func sack(
        _ r: inout RACKState, una: UInt32 = 1, prior: [SACKBlock], now: [SACKBlock], at time: Instant
    ) -> Int {
        r.ackArrives(previousUna: SeqNum(una), una: SeqNum(una), priorSacked: prior, sacked: now, now: time).segments
    }

    @Test mutating func sameInstantSegmentsBelowTheSACKedOnesAreLostOnceSACKsReachDupThresh() {
        // Linux tcp_rack_reo_wnd: no reordering window once sacked_out >= tp->reordering (3), none seen yet;
        // tcp_rack_detect_loss marks at remaining <= 0.
        var r = flight()
        let sacks = [Self.block(2001, 3001), Self.block(6001, 7001), Self.block(8001, 9001)]
        #expect(sack(&r, prior: [], now: Array(sacks.prefix(1)), at: Self.ms(100)) == 1)
        var window = r.reorderWindow(inRecovery: false, sackedSegments: 1, smoothedRTT: .milliseconds(100))
        #expect(window == 25_000_000)  // min_rtt / 4
        var result = r.detectLoss(una: SeqNum(1), sndNxt: SeqNum(10001), sacked: Array(sacks.prefix(1)),
            reorderWindow: window, now: Self.ms(100))
        #expect(result.newlyLost == 0 && result.remaining == 25_000_000)  // 1:2001 waits min_rtt / 4
        _ = sack(&r, prior: Array(sacks.prefix(1)), now: Array(sacks.prefix(2)), at: Self.ms(101))
        _ = sack(&r, prior: Array(sacks.prefix(2)), now: sacks, at: Self.ms(102))
        window = r.reorderWindow(inRecovery: false, sackedSegments: 3, smoothedRTT: .milliseconds(100))
        #expect(window == 0)
        result = r.detectLoss(una: SeqNum(1), sndNxt: SeqNum(10001), sacked: sacks, reorderWindow: window,
            now: Self.ms(102))
        // 1:2001, 3001:6001 and 7001:8001; 9001:10001 was sent after RACK.xmit_ts's segment and is not judged.
        #expect(result.newlyLost == 6)
        #expect(r.lostSegments == 6)
        #expect(r.lost == [.init(start: SeqNum(1), end: SeqNum(2001)), .init(start: SeqNum(3001), end: SeqNum(6001)),
            .init(start: SeqNum(7001), end: SeqNum(8001))])
        #expect(r.nextLostToResend() == .init(start: SeqNum(1), end: SeqNum(2001)))
    }

    @Test mutating func aHoleSACKedBelowTheHighestSACKRaisesTheReorderingDegree() {
        // Linux tcp_sacktag_one + tcp_check_sack_reordering: FACK 9001 - 3001 = 6 segments.
        var r = flight()
        let before = [Self.block(2001, 3001), Self.block(6001, 7001), Self.block(8001, 9001)]
        _ = sack(&r, prior: [], now: before, at: Self.ms(102))
        #expect(r.reordering == 3 && !r.reorderingSeen)
        _ = sack(&r, prior: before, now: [Self.block(2001, 4001), Self.block(6001, 7001), Self.block(8001, 9001)],
            at: Self.ms(109))
        #expect(r.reordering == 6 && r.reorderingSeen)
        // Reordering seen: the window is min_rtt / 4 even in recovery.
        #expect(r.reorderWindow(inRecovery: true, sackedSegments: 4, smoothedRTT: nil) == 25_000_000)
    }

    @Test mutating func aSACKedLostSegmentIsNoLongerLost() {
        var r = flight()
        let sacks = [Self.block(2001, 3001), Self.block(6001, 7001), Self.block(8001, 9001)]
        _ = sack(&r, prior: [], now: sacks, at: Self.ms(102))
        _ = r.detectLoss(una: SeqNum(1), sndNxt: SeqNum(10001), sacked: sacks, reorderWindow: 0, now: Self.ms(102))
        _ = sack(&r, prior: sacks, now: [Self.block(2001, 4001), Self.block(6001, 7001), Self.block(8001, 9001)],
            at: Self.ms(109))
        #expect(r.lostSegments == 5)
        r.resent(SeqNum(1), SeqNum(1001), at: Self.ms(102))
        #expect(r.resentSegments == 1)
        // The cumulative ACK of the retransmission removes it from both counts (lost_out, retrans_out).
        _ = r.ackArrives(previousUna: SeqNum(1), una: SeqNum(1001),
            priorSacked: [Self.block(2001, 4001), Self.block(6001, 7001), Self.block(8001, 9001)],
            sacked: [Self.block(2001, 4001), Self.block(6001, 7001), Self.block(8001, 9001)], now: Self.ms(202))
        #expect(r.lostSegments == 4 && r.resentSegments == 0)
    }

    @Test mutating func aSegmentSentAfterTheOneRACKTimedAtTheSameInstantWaitsTheReorderingTimer() {
        // Three separately sent segments at t0; the one below the SACK is cumulatively acknowledged last, so
        // RACK.rtt is measured on it: the next one, sent after it, is not yet overdue (remaining > 0).
        var r = RACKState(mss: 1000)
        r.noteRTT(1_000_000)
        r.sent(from: SeqNum(1), at: Self.t0)
        let sacks = [Self.block(2001, 3001)]
        _ = r.ackArrives(previousUna: SeqNum(1), una: SeqNum(1001), priorSacked: [], sacked: sacks, now: Self.ms(5))
        let result = r.detectLoss(una: SeqNum(1001), sndNxt: SeqNum(3001), sacked: sacks, reorderWindow: 0,
            now: Self.ms(5))
        #expect(result.newlyLost == 0)
        #expect(result.remaining == 1)
        // Later, with time gone by, it is lost.
        let later = r.detectLoss(una: SeqNum(1001), sndNxt: SeqNum(3001), sacked: sacks, reorderWindow: 0,
            now: Self.ms(8))
        #expect(later.newlyLost == 1)
    }

    @Test mutating func aRetransmissionAcknowledgedFasterThanTheMinimumRTTDoesNotAdvanceRACK() {
        // Linux tcp_rack_advance: the ACK may be for the original.
        var r = flight()
        r.resent(SeqNum(1), SeqNum(1001), at: Self.ms(150))
        _ = r.ackArrives(previousUna: SeqNum(1), una: SeqNum(1001), priorSacked: [], sacked: [], now: Self.ms(160))
        #expect(!r.advanced && r.xmitTime == nil)
        r.resent(SeqNum(1001), SeqNum(2001), at: Self.ms(160))
        _ = r.ackArrives(previousUna: SeqNum(1001), una: SeqNum(2001), priorSacked: [], sacked: [],
            now: Self.ms(300))
        #expect(r.advanced && r.xmitTime == Self.ms(160))
    }

    @Test func acknowledgedBurstsAreForgottenAndSendTimesStayRight() {
        var r = RACKState(mss: 1000)
        r.sent(from: SeqNum(1), at: Self.ms(0))
        r.sent(from: SeqNum(3001), at: Self.ms(1))
        r.sent(from: SeqNum(6001), at: Self.ms(2))
        r.sent(from: SeqNum(7001), at: Self.ms(2))  // the same instant: one burst
        #expect(r.bursts.count == 3)
        r.forget(below: SeqNum(4001))
        #expect(r.bursts.map(\.start) == [SeqNum(3001), SeqNum(6001)])
        #expect(r.sendTime(of: SeqNum(4001)) == Self.ms(1))
        #expect(r.sendTime(of: SeqNum(7500)) == Self.ms(2))
    }

    @Test func prrBelowSsthreshConservesPacketsPlusOneWhenSNDUNAAdvancesWithoutNewLoss() {
        // RFC 6937 §3.1 slow-start reduction bound, Linux tcp_cwnd_reduction: ssthresh 7, nothing in flight.
        var r = RACKState(mss: 1000)
        r.startReduction(cwnd: 10)
        #expect(r.reducedWindow(delivered: 1, newlyLost: 6, unaAdvanced: false, inFlight: 1, ssthresh: 7) == 2)
        r.prrOut = 1
        #expect(r.reducedWindow(delivered: 2, newlyLost: 0, unaAdvanced: true, inFlight: 1, ssthresh: 7) == 4)
        var lossy = RACKState(mss: 1000)
        lossy.startReduction(cwnd: 10)
        lossy.prrOut = 1
        _ = lossy.reducedWindow(delivered: 1, newlyLost: 6, unaAdvanced: false, inFlight: 1, ssthresh: 7)
        #expect(lossy.reducedWindow(delivered: 2, newlyLost: 1, unaAdvanced: true, inFlight: 1, ssthresh: 7) == 3)
        #expect(lossy.reducedWindow(delivered: 0, newlyLost: 0, unaAdvanced: true, inFlight: 1, ssthresh: 7) == nil)
    }

    @Test func prrAboveSsthreshSendsInProportionToWhatWasDelivered() {
        // RFC 6937 §3: sndcnt = ceil(prr_delivered · ssthresh / RecoverFS) − prr_out.
        var r = RACKState(mss: 1000)
        r.startReduction(cwnd: 20)
        r.prrOut = 1
        // 14 in flight, ssthresh 14: delta 0 → conservation bound 0... over: 18 in flight.
        #expect(r.reducedWindow(delivered: 4, newlyLost: 0, unaAdvanced: false, inFlight: 18, ssthresh: 14)
            == 18 + (14 * 4 + 19) / 20 - 1)
    }

    // MARK: through the engine

    /// A linux-6 pair (MSS 1460) whose handshake took 100 ms, so RACK's minimum RTT is 100 ms.
    private func linuxPair(_ config: TCPConfiguration = .linux6) throws -> Pair {
        var config = config
        config.timestamps = false
        config.tailLossProbe = false
        config.interfaceMTU = 1500
        var p = try Pair(config, connect: false)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        for syn in p.c.takePackets() { p.s.receive(syn, now: p.wire.now) }
        let synAck = p.s.takePackets()
        p.wire.now = p.wire.now + .milliseconds(100)
        for packet in synAck { p.c.receive(packet, now: p.wire.now) }
        for ack in p.c.takePackets() { p.s.receive(ack, now: p.wire.now) }
        p.server = try p.s.accept(p.listener)
        return p
    }

    private func sackAck(_ p: Pair, ack: UInt32, _ blocks: [SACKBlock]) throws -> IPPacket {
        let tcb = p.serverTCB
        let src = p.wire.hosts[1].localEndpoint(of: p.client)!
        var options = TCPOptions()
        if !blocks.isEmpty { options = try TCPOptions([.noOperation, .noOperation, .sack(blocks)]) }
        return IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: src.port, destinationPort: 80, sequenceNumber: tcb.rcvNxt.rawValue,
            acknowledgmentNumber: ack, flags: .ack, window: 60000, options: options))
    }

    @Test func threeSACKsAboveHolesStartRecoveryWithTheLostCountInTCPInfoAndOneRetransmission() throws {
        var p = try linuxPair()
        let mss = p.serverTCB.sendMSS
        _ = try p.s.send(p.server!, [UInt8](repeating: 7, count: 10 * mss), now: p.wire.now)
        let sent = p.s.takePackets()
        #expect(sent.count == 10)
        let base = sent[0].tcp.sequenceNumber
        func seg(_ i: Int) -> UInt32 { base &+ UInt32(i * mss) }
        p.wire.now = p.wire.now + .milliseconds(100)
        let blocks = [SACKBlock(left: seg(1), right: seg(2)), SACKBlock(left: seg(5), right: seg(6)),
                      SACKBlock(left: seg(7), right: seg(8))]
        _ = p.injectToServer(try sackAck(p, ack: base, Array(blocks.prefix(1))))
        _ = p.injectToServer(try sackAck(p, ack: base, Array(blocks.prefix(2))))
        #expect(p.s.tcpInfo(of: p.server!, now: p.wire.now)?.lostSegments == 0)
        let out = p.injectToServer(try sackAck(p, ack: base, blocks))
        let info = try #require(p.s.tcpInfo(of: p.server!, now: p.wire.now))
        #expect(info.congestionState == .recovery)
        #expect(info.lostSegments == 5)  // segments 0, 2-4 and 6
        #expect(info.reordering == 3)
        // PRR lets one segment out (tcp_cwnd_reduction forces the fast retransmit): the first hole.
        #expect(out.map(\.tcp.sequenceNumber) == [seg(0)])
        #expect(info.retransmittedSegments == 1)
    }

    @Test func oneSACKBelowDupThreshWaitsTheReorderingTimerThenResends() throws {
        // RFC 8985 §6.2-6.3, Linux tcp_rack_mark_lost / tcp_rack_reo_timeout: min_rtt / 4 (25 ms) plus
        // TCP_TIMEOUT_MIN (2 ms), then the overdue segments are lost and recovery resends the first.
        var p = try linuxPair()
        let mss = p.serverTCB.sendMSS
        _ = try p.s.send(p.server!, [UInt8](repeating: 7, count: 10 * mss), now: p.wire.now)
        let base = try #require(p.s.takePackets().first).tcp.sequenceNumber
        p.wire.now = p.wire.now + .milliseconds(100)
        let sacked = SACKBlock(left: base &+ UInt32(2 * mss), right: base &+ UInt32(3 * mss))
        #expect(p.injectToServer(try sackAck(p, ack: base, [sacked])).isEmpty)
        #expect(p.serverTCB.reorderTimerArmed)
        let due = try #require(p.s.nextDeadline)
        #expect(due == p.wire.now + .milliseconds(27))
        p.wire.now = due
        p.s.advance(to: due)
        let resent = p.s.takePackets()
        #expect(resent.first?.tcp.sequenceNumber == base)
        let info = try #require(p.s.tcpInfo(of: p.server!, now: due))
        #expect(info.congestionState == .recovery)
        #expect(info.lostSegments == 2)  // segments 0 and 1; those above the SACK were sent after it
        #expect(!p.serverTCB.reorderTimerArmed)
    }

    @Test mutating func aTimeoutMarksEverythingNotSACKedLost() {
        // Linux tcp_enter_loss: lost_out = packets_out - sacked_out.
        var r = flight()
        r.timedOut(una: SeqNum(1), sndNxt: SeqNum(10001), sacked: [Self.block(2001, 3001)])
        #expect(r.lostSegments == 9)
        r.resent(SeqNum(1), SeqNum(1001), at: Self.ms(300))
        #expect(r.inFlight(flight: 10000, sackedSegments: 1) == 1)  // only the resent copy
    }

    @Test func freeBSDAndRFC9293KeepRFC6675() {
        #expect(TCPConfiguration.linux6.rackLossDetection)
        #expect(!TCPConfiguration.freebsd.rackLossDetection)
        #expect(!TCPConfiguration.rfc9293.rackLossDetection)
    }
}
