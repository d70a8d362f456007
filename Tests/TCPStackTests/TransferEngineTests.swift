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

/// The RFC 6298 estimator inside the engine: samples from the handshake, Karn's rule, the 3 s fallback.
@Suite("Engine with the RTO estimator")
struct TransferEngineRTOTests {
    /// Client connects at 0; the SYN reaches the server `synDelay` later, the SYN-ACK comes back at `synAckAt`.
    /// With `dropFirstSyn`, the first SYN is lost and the retransmission at 1 s is the one delivered.
    private func handshake(_ config: TCPConfiguration, dropFirstSyn: Bool = false) throws -> Connection {
        var client = host(config, [clientAddress], seed: 1)
        var server = host(config, [serverAddress], seed: 2)
        let l = server.socket()
        try server.bind(l, to: serverEndpoint)
        try server.listen(l, backlog: 4)
        let c = client.socket()
        try client.connect(c, to: serverEndpoint, now: .zero)
        var syn = client.takePackets()
        var t: Int64 = 0
        if dropFirstSyn {
            client.advance(to: .milliseconds(1000))
            syn = client.takePackets()
            t = 1000
        }
        for p in syn { server.receive(p, now: .milliseconds(t + 50)) }
        for p in server.takePackets() { client.receive(p, now: .milliseconds(t + 100)) }
        return client.connection(c)!
    }

    @Test func linuxHandshakeSampleOf100msGivesRTO300ms() throws {
        let c = try handshake(.linux6)
        #expect(c.state == .established)
        #expect(c.rtt.smoothedRTT == .milliseconds(100))
        #expect(c.rtt.rttVariance == .milliseconds(50))
        #expect(c.rto == .milliseconds(300))  // 100 + max(4 · 50, 200)
    }

    @Test func rfcPresetClampsTheSameSampleTo1s() throws {
        let c = try handshake(.rfc9293)
        #expect(c.rtt.smoothedRTT == .milliseconds(100))
        #expect(c.rto == .seconds(1))  // max(100 + 200, 1 s)
    }

    @Test func withoutTimestampsTheTimedSYNGivesTheSample() throws {
        var config = TCPConfiguration.linux6
        config.timestamps = false
        let c = try handshake(config)
        #expect(c.rtt.smoothedRTT == .milliseconds(100))
    }

    @Test func karnLeavesARetransmittedSYNUnsampledAndDataStartsAt3s() throws {
        var config = TCPConfiguration.linux6
        config.timestamps = false
        let c = try handshake(config, dropFirstSyn: true)
        #expect(c.state == .established)
        #expect(c.rtt.smoothedRTT == nil)
        #expect(c.rto == .seconds(3))  // RFC 6298 §5.7
    }

    @Test func timestampsSampleEvenARetransmittedSYN() throws {
        let c = try handshake(.linux6, dropFirstSyn: true)
        #expect(c.rtt.smoothedRTT == .milliseconds(100))
        #expect(c.rto == .milliseconds(300))
    }
}
