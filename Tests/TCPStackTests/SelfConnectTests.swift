import Testing
import TCPStack
import TCPWire

/// A socket bound to P connecting to P on its own host: the wire loops every segment back to it.
@Suite struct SelfConnectTests {
    /// Runs the reference program: bind, connect to itself, send "test1\r\n", read it back, close.
    /// Returns the wire and the socket.
    func selfConnect(_ config: TCPConfiguration, address: IPAddress, port: UInt16 = 40000)
        throws(SocketError) -> (TestWire, SocketID, [UInt8])
    {
        var wire = TestWire(host(config))
        let s = wire.hosts[0].socket()
        try wire.hosts[0].bind(s, to: Endpoint(address, port))
        try wire.hosts[0].connect(s, to: Endpoint(address, port), now: wire.now)
        wire.run()
        _ = try wire.hosts[0].send(s, Array("test1\r\n"), now: wire.now)
        wire.run()
        let echoed = try wire.hosts[0].receive(s, now: wire.now)
        try wire.hosts[0].close(s, now: wire.now)
        wire.run()
        return (wire, s, echoed)
    }

    /// The 6.18 capture `selfconnect-bound-v4.txt`, line for line (timestamps and addresses cut).
    static let linux618BoundV4 = [
        "Flags [S], seq 2453545219, win 65495, options [mss 65495,sackOK,TS val 432607420 ecr 0,nop,wscale 10], length 0",
        "Flags [S.], seq 2453545219, ack 2453545220, win 65495, options [mss 65495,sackOK,TS val 432607420 ecr 432607420,nop,wscale 10], length 0",
        "Flags [.], ack 1, win 64, options [nop,nop,TS val 432607420 ecr 432607420,nop,nop,sack 1 {0:1}], length 0",
        "Flags [P.], seq 1:8, ack 1, win 64, options [nop,nop,TS val 432607420 ecr 432607420], length 7",
        "Flags [.], ack 8, win 64, options [nop,nop,TS val 432607420 ecr 432607420], length 0",
        "Flags [F.], seq 8, ack 8, win 64, options [nop,nop,TS val 432607420 ecr 432607420], length 0",
        "Flags [.], ack 9, win 64, options [nop,nop,TS val 432607420 ecr 432607420], length 0",
    ]

    /// The 6.18 capture `selfconnect-v6.txt` (same shape, MSS and window 65476).
    static let linux618V6 = [
        "Flags [S], seq 2893230360, win 65476, options [mss 65476,sackOK,TS val 3468364807 ecr 0,nop,wscale 10], length 0",
        "Flags [S.], seq 2893230360, ack 2893230361, win 65476, options [mss 65476,sackOK,TS val 3468364807 ecr 3468364807,nop,wscale 10], length 0",
        "Flags [.], ack 1, win 64, options [nop,nop,TS val 3468364807 ecr 3468364807,nop,nop,sack 1 {0:1}], length 0",
        "Flags [P.], seq 1:8, ack 1, win 64, options [nop,nop,TS val 3468364807 ecr 3468364807], length 7",
        "Flags [.], ack 8, win 64, options [nop,nop,TS val 3468364807 ecr 3468364807], length 0",
        "Flags [F.], seq 8, ack 8, win 64, options [nop,nop,TS val 3468364807 ecr 3468364807], length 0",
        "Flags [.], ack 9, win 64, options [nop,nop,TS val 3468364807 ecr 3468364807], length 0",
    ]

    /// The article's Linux 3.10 handshake (seed, lines 38-40).
    static let linux310Handshake = [
        "Flags [S], seq 2707282816, win 43690, options [mss 65495,sackOK,TS val 41197287 ecr 0,nop,wscale 7], length 0",
        "Flags [S.], seq 2707282816, ack 2707282817, win 43690, options [mss 65495,sackOK,TS val 41197287 ecr 41197287,nop,wscale 7], length 0",
        "Flags [.], ack 1, win 342, options [nop,nop,TS val 41197287 ecr 41197287], length 0",
    ]

    /// Our trace, with our ISN and timestamp swapped for the reference's so the lines compare exactly.
    func normalized(_ wire: TestWire, isn: UInt32, referenceISN: UInt32, referenceTS: UInt32?) -> [String] {
        wire.log.map { p in
            var line = tcpdumpLine(p, base: isn, peerBase: isn)
            line = line.replacing(String(isn &+ 1), with: String(referenceISN &+ 1))
            line = line.replacing("seq \(isn)", with: "seq \(referenceISN)")
            if let ts = p.tcp.options.timestamps, let r = referenceTS {
                line = line.replacing(String(ts.value), with: String(r))
            }
            return line
        }
    }

    @Test func linux6SelfConnectV4MatchesTheKernelCaptureLineForLine() throws {
        let (wire, s, echoed) = try selfConnect(.linux6, address: v4)
        #expect(echoed == Array("test1\r\n"))
        let isn = wire.log[0].tcp.sequenceNumber
        let lines = normalized(wire, isn: isn, referenceISN: 2_453_545_219, referenceTS: 432_607_420)
        #expect(lines == Self.linux618BoundV4)
        #expect(wire.log.allSatisfy { $0.source == Endpoint(v4, 40000) && $0.destination == Endpoint(v4, 40000) })
        #expect(wire.hosts[0].state(of: s) == .timeWait)
    }

    @Test func linux6SelfConnectV6MatchesTheKernelCaptureLineForLine() throws {
        let (wire, _, echoed) = try selfConnect(.linux6, address: v6, port: 50000)
        #expect(echoed == Array("test1\r\n"))
        let isn = wire.log[0].tcp.sequenceNumber
        let lines = normalized(wire, isn: isn, referenceISN: 2_893_230_360, referenceTS: 3_468_364_807)
        #expect(lines == Self.linux618V6)
    }

    @Test func linux6SelfConnectWalksSynSentSynReceivedEstablishedThenClosingTimeWait() throws {
        let (wire, s, _) = try selfConnect(.linux6, address: v4)
        #expect(wire.states(of: s) == [.synSent, .synReceived, .established, .finWait1, .closing, .timeWait])
        let rules = wire.transitions.filter { $0.socket == s }.map { "\($0.rfc) | \($0.linux)" }
        #expect(rules[1] == "RFC 9293 §3.10.7.3 | tcp_rcv_synsent_state_process")
        #expect(rules[2] == "RFC 9293 §3.10.7.4 | tcp_rcv_state_process")
    }

    @Test func linux310SelfConnectAnswersItsOwnSynAckWithAChallengeAck() throws {
        let (wire, s, echoed) = try selfConnect(.linux310, address: v4, port: 50000)
        #expect(echoed == Array("test1\r\n"))
        let isn = wire.log[0].tcp.sequenceNumber
        let lines = normalized(wire, isn: isn, referenceISN: 2_707_282_816, referenceTS: 41_197_287)
        #expect(Array(lines.prefix(3)) == Self.linux310Handshake)
        #expect(wire.states(of: s) == [.synSent, .synReceived, .established, .finWait1, .closing, .timeWait])
        // The own SYN-ACK is answered by RFC 5961 §4.2 in SYN-RECEIVED, recorded as a self-loop.
        let challenge = wire.transitions.first { $0.socket == s && $0.from == .synReceived && $0.to == .synReceived }
        #expect(challenge?.rfc == "RFC 5961 §4.2")
        #expect(challenge?.linux == "tcp_validate_incoming -> tcp_send_challenge_ack")
        // The state change to ESTABLISHED is caused by the challenge ACK (a pure ACK), not by the SYN-ACK.
        let toEstablished = wire.transitions.first { $0.socket == s && $0.to == .established }
        guard case .segment(let seg)? = toEstablished?.cause else {
            Issue.record("no segment caused ESTABLISHED")
            return
        }
        #expect(seg.flags == .ack)
    }

    @Test func rfc9293SelfConnectAcksTheUnacceptableSynAckThenEstablishesOnThatAck() throws {
        let (wire, s, echoed) = try selfConnect(.rfc9293, address: v4, port: 50000)
        #expect(echoed == Array("test1\r\n"))
        let isn = wire.log[0].tcp.sequenceNumber
        let lines = wire.log.prefix(3).map { tcpdumpLine($0, base: isn, peerBase: isn) }
        #expect(lines == [
            "Flags [S], seq \(isn), win 65535, options [mss 65495], length 0",
            "Flags [S.], seq \(isn), ack \(isn &+ 1), win 65535, options [mss 65495], length 0",
            "Flags [.], ack 1, win 65535, length 0",
        ])
        // The ACK is <SEQ=SND.NXT><ACK=RCV.NXT>: both ISN+1.
        #expect(wire.log[2].tcp.sequenceNumber == isn &+ 1)
        #expect(wire.states(of: s) == [.synSent, .synReceived, .established, .finWait1, .closing, .timeWait])
    }

    @Test func selfConnectedSocketLeavesTimeWaitAfterTwoMSL() throws {
        var (wire, s, _) = try selfConnect(.linux6, address: v4)
        wire.advance(by: .seconds(59))
        #expect(wire.hosts[0].state(of: s) == .timeWait)
        wire.advance(by: .seconds(1))
        #expect(wire.hosts[0].state(of: s) == nil)
        #expect(wire.hosts[0].liveCount == 0)
    }
}
