import Testing
import TCPWire
@testable import TCPStack

/// Congestion control and loss recovery inside the engine: the server sends bulk data, the test plays the client
/// and answers with crafted ACKs (MSS 1000 without timestamps, 988 with).
@Suite("Engine congestion control and loss recovery")
struct CongestionEngineTests {
    /// A sender whose segments are 1000 bytes (rfc9293: no options) and whose buffer holds 1 MiB.
    private static func config(_ base: TCPConfiguration) -> TCPConfiguration {
        var c = base
        c.interfaceMTU = 1040
        c.sendBufferSize = 1 << 20
        return c
    }

    private struct Sender {
        var pair: Pair
        let mss: Int
        init(_ base: TCPConfiguration, bytes: Int = 200_000) throws {
            pair = try Pair(CongestionEngineTests.config(base))
            mss = pair.serverTCB.sendMSS
            _ = try pair.s.send(pair.server!, [UInt8](repeating: 7, count: bytes), now: pair.wire.now)
        }
        var tcb: Connection { pair.serverTCB }
        /// Sequence number of byte `n` of the stream.
        func seq(_ n: Int) -> UInt32 { tcb.iss.rawValue &+ 1 &+ UInt32(n) }
        mutating func sent() -> [IPPacket] { pair.s.takePackets() }
        /// An ACK from the client for stream offset `n`, with SACK blocks in stream offsets.
        mutating func ack(_ n: Int, sack: [(Int, Int)] = [], rawSACK: [SACKBlock] = []) -> [IPPacket] {
            var o = TCPOptions()
            let blocks = rawSACK + sack.map { SACKBlock(left: seq($0.0), right: seq($0.1)) }
            if !blocks.isEmpty {
                try? o.append(.noOperation)
                try? o.append(.noOperation)
                try? o.append(.sack(blocks))
            }
            let src = pair.wire.hosts[1].localEndpoint(of: pair.client)!
            let p = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
                sourcePort: src.port, destinationPort: 80, sequenceNumber: tcb.rcvNxt.rawValue,
                acknowledgmentNumber: seq(n), flags: .ack, window: 65535, options: o))
            return pair.injectToServer(p)
        }
        func offsets(_ packets: [IPPacket]) -> [Int] {
            packets.filter { !$0.tcp.payload.isEmpty }.map { Int($0.tcp.sequenceNumber &- seq(0)) }
        }
    }

    @Test func slowStartSendsTheInitialWindowThenGrowsOneSegmentPerAck() throws {
        var s = try Sender(.rfc9293)
        let first = s.sent()
        #expect(s.offsets(first) == (0..<10).map { $0 * 1000 })  // RFC 6928: IW 10
        #expect(s.tcb.cc.cwnd == 10_000)
        // Each ACK of one segment lets two more go (RFC 5681 §3.1 slow start).
        var next: [Int] = []
        for i in 1...10 { next += s.offsets(s.ack(i * 1000)) }
        #expect(next == (10..<30).map { $0 * 1000 })
        #expect(s.tcb.cc.cwnd == 20_000)
    }

    @Test func threeDuplicateAcksStartFastRetransmitAndHalveTheWindow() throws {
        var s = try Sender(.rfc9293)
        _ = s.sent()
        _ = s.ack(1000)  // cwnd 11 segments, 11 in flight
        _ = s.sent()
        #expect(s.offsets(s.ack(1000)).isEmpty)
        #expect(s.offsets(s.ack(1000)).isEmpty)
        // The third duplicate: the segment at SND.UNA goes again (RFC 5681 §3.2 step 2).
        let third = s.ack(1000)
        #expect(s.offsets(third).first == 1000)
        // ssthresh = FlightSize / 2 = 5500, cwnd = ssthresh + 3 SMSS (RFC 5681 eq. (4), step 3).
        #expect(s.tcb.cc.window.ssthresh == 5500)
        #expect(s.tcb.cc.cwnd == 8500)
        #expect(s.tcb.cc.inFastRecovery)
    }

    @Test func partialAckInNewRenoResendsTheNextHoleAndFullAckEndsRecovery() throws {
        var s = try Sender(.rfc9293)
        _ = s.sent()
        for _ in 0..<3 { _ = s.ack(0) }  // fast retransmit of offset 0; recover = 10 000
        #expect(s.tcb.cc.inFastRecovery)
        // A partial ACK (RFC 6582 §3.2 step 3): the next unacknowledged segment goes at once.
        let partial = s.ack(3000)
        #expect(s.offsets(partial).first == 3000)
        #expect(s.tcb.cc.inFastRecovery)
        _ = s.ack(10_000)  // everything sent before recovery began
        #expect(!s.tcb.cc.inFastRecovery)
        #expect(s.tcb.cc.cwnd <= s.tcb.cc.window.ssthresh)
    }

    @Test func retransmissionTimeoutCollapsesCwndToOneSegmentAndResendsTheFlightAsAcksReturn() throws {
        var s = try Sender(.rfc9293)
        _ = s.sent()
        let due = try #require(s.pair.s.nextDeadline)
        s.pair.s.advance(to: due)
        // RFC 5681 §3.1: LW = 1 segment, ssthresh = FlightSize / 2.
        #expect(s.offsets(s.sent()) == [0])
        #expect(s.tcb.cc.cwnd == 1000)
        #expect(s.tcb.cc.window.ssthresh == 5000)
        // Slow start again, resending the rest of the old flight before anything new.
        #expect(s.offsets(s.ack(1000)) == [1000, 2000])
        #expect(s.offsets(s.ack(3000)) == [3000, 4000, 5000])  // one SMSS per ACK (RFC 5681 §3.1, L = 1)
    }

    @Test func sackRecoveryResendsOnlyTheHolesTheScoreboardDeemsLost() throws {
        var s = try Sender(.linux6)
        let mss = s.mss
        _ = s.sent()
        // Segments 0 and 4 are lost; the receiver SACKs 1-3, then 5, 6, 7 as they arrive.
        var resent: [Int] = []
        resent += s.offsets(s.ack(0, sack: [(mss, 2 * mss)]))
        resent += s.offsets(s.ack(0, sack: [(mss, 3 * mss)]))
        resent += s.offsets(s.ack(0, sack: [(mss, 4 * mss)]))
        #expect(resent == [0])  // RFC 6675 §5: three ACKs with new SACK information: SND.UNA is lost
        #expect(s.tcb.cc.inFastRecovery)
        for k in 5...7 { resent += s.offsets(s.ack(0, sack: [(5 * mss, (k + 1) * mss), (mss, 4 * mss)])) }
        // NextSeg: the hole at segment 4 has three SACKed segments above it, so it goes too; the SACKed
        // segments never go again.
        #expect(resent.contains(4 * mss))
        #expect(!resent.contains { [1, 2, 3, 5, 6, 7].map { $0 * mss }.contains($0) })
    }

    @Test func dsackAloneIsNoDuplicateAckAndStartsNoRecovery() throws {
        var s = try Sender(.linux6)
        let mss = s.mss
        _ = s.sent()
        _ = s.ack(2 * mss)
        _ = s.sent()
        // RFC 2883 §4: a first block below the cumulative ACK reports a duplicate, not a loss (RFC 6675 §2).
        for _ in 0..<4 {
            #expect(s.offsets(s.ack(2 * mss, sack: [(0, mss)])).isEmpty)
        }
        #expect(!s.tcb.cc.inFastRecovery)
    }

    @Test func linuxPersonalitiesRunCubicAndRFC9293RunsNewRenoUnlessTCPCongestionSaysOtherwise() throws {
        var linux = try Pair(.linux6)
        #expect(linux.serverTCB.cc.algorithm == .cubic)
        #expect(linux.s.congestionControl(of: linux.server!) == .cubic)
        try linux.s.setCongestionControl(linux.server!, .reno)
        #expect(linux.serverTCB.cc.algorithm == .reno)
        #expect(linux.serverTCB.cc.cwnd == 10 * linux.serverTCB.sendMSS)
        let rfc = try Pair(.rfc9293)
        #expect(rfc.serverTCB.cc.algorithm == .reno)
        // Set on the listener, the choice passes to accepted connections.
        var inherited = try Pair(.rfc9293, connect: false)
        try inherited.s.setCongestionControl(inherited.listener, .cubic)
        try inherited.wire.hosts[1].connect(inherited.client, to: serverEndpoint, now: inherited.wire.now)
        inherited.wire.run()
        inherited.server = try inherited.wire.hosts[0].accept(inherited.listener)
        #expect(inherited.serverTCB.cc.algorithm == .cubic)
    }
}
