import Testing
import TCPWire
@testable import TCPStack

private func b(_ l: UInt32, _ r: UInt32) -> SACKBlock { SACKBlock(left: l, right: r) }

private func bytes(_ from: UInt32, _ to: UInt32) -> Payload {
    Payload((0..<Int(to &- from)).map { UInt8(truncatingIfNeeded: (from &+ UInt32($0)) &* 7 &+ 3) })
}

/// How much a D-SACK block reports (RFC 2883 §4), and what an in-order FIN does to SACK state (Linux tcp_fin).
@Suite struct DSACKExtentTests {
    @Test func contiguousDuplicatesFromSeveralQueuedSegmentsFormOneDSACKBlock() {
        // Queued: 2000:3000 and 3000:4000 (two segments, touching), 5000:6000, 8000:9000.
        var q = ReassemblyQueue(rcvNxt: 1000)
        for (l, r) in [(2000, 3000), (3000, 4000), (5000, 6000), (8000, 9000)] as [(UInt32, UInt32)] {
            _ = q.receive(seq: l, payload: bytes(l, r)) { _ in }
        }
        _ = q.takeSACKBlocks(maxBlocks: 3)
        // 1000:7000 arrives: its duplicate space is 2000:4000 then 5000:6000; the D-SACK reports the first
        // contiguous run whole (Linux tcp_dsack_extend), then the remaining SACK block.
        let o = q.receive(seq: 1000, payload: bytes(1000, 7000)) { _ in }
        #expect(o.duplicateBytes == 3000)
        #expect(q.rcvNxt == 7000)
        #expect(q.takeSACKBlocks(maxBlocks: 3) == [b(2000, 4000), b(8000, 9000)])
    }

    @Test func finReceivedDropsQueuedDataAndSACKState() {
        var q = ReassemblyQueue(rcvNxt: 1000)
        _ = q.receive(seq: 3000, payload: bytes(3000, 4000)) { _ in }
        _ = q.receive(seq: 500, payload: bytes(500, 1000)) { _ in }
        #expect(q.sackBlocks(maxBlocks: 3) == [b(500, 1000), b(3000, 4000)])
        q.finReceived()
        #expect(q.sackBlocks(maxBlocks: 3).isEmpty)
        #expect(q.queuedBytes == 0)
    }

    /// The peer resends 1000 bytes we have, now with its FIN (Linux selftest tcp_close_no_rst): Linux's ACK of
    /// the FIN carries no D-SACK; without the rule the old bytes are D-SACKed.
    @Test func theAckOfAFinThatCameWithOldDataCarriesNoDSACKUnderLinux() throws {
        func ackSACKBlocks(_ config: TCPConfiguration) throws -> [SACKBlock] {
            var p = try Pair(config)
            let irs = p.serverTCB.irs.rawValue, iss = p.serverTCB.iss.rawValue
            let data = [UInt8](repeating: 7, count: 1000)
            _ = p.injectToServer(p.toServer(seq: irs &+ 1, ack: iss &+ 1, flags: .ack, payload: data))
            _ = try p.s.receive(p.server!, maxBytes: 1000, now: p.wire.now)
            var sent = p.injectToServer(p.toServer(seq: irs &+ 1, ack: iss &+ 1, flags: [.fin, .ack], payload: data))
            // Linux delays this ACK (tcp_fin enters pingpong mode): let the delayed-ACK timer fire.
            p.wire.hosts[0].advance(to: p.wire.now + .milliseconds(200))
            sent += p.wire.hosts[0].takePackets()
            let acks = sent.filter { $0.tcp.acknowledgmentNumber == irs &+ 1002 }
            return try #require(acks.first).tcp.options.sackBlocks
        }
        var linux = TCPConfiguration.linux6
        linux.timestamps = false
        #expect(try ackSACKBlocks(linux).isEmpty)
        linux.finResetsSACK = false
        let irsRelative = try ackSACKBlocks(linux).map { $0.right &- $0.left }
        #expect(irsRelative == [1000])
    }
}
