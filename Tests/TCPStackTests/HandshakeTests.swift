import Testing
import TCPStack
import TCPWire

/// Strips timestamp values, which depend on each side's clock offset: `TS val 123 ecr 456` -> `TS val _ ecr _`.
func blankTimestamps(_ line: String) -> String {
    var out = ""
    var rest = Substring(line)
    while let r = rest.firstRange(of: "TS val ") {
        out += rest[..<r.upperBound] + "_"
        rest = rest[r.upperBound...].drop { $0.isNumber }
        if rest.hasPrefix(" ecr ") {
            rest = rest.dropFirst(5)
            let digits = rest.prefix { $0.isNumber }
            out += digits == "0" ? " ecr 0" : " ecr _"
            rest = rest.dropFirst(digits.count)
        }
    }
    return out + rest
}

@Suite struct HandshakeTests {
    @Test func connectToAPortWithoutListenerGetsRstAckSeqZeroAckIsnPlusOneAndEconnrefused() throws {
        var wire = TestWire(host(.linux6))
        let s = wire.hosts[0].socket()
        try wire.hosts[0].connect(s, to: Endpoint(v4, 50000), now: wire.now)
        wire.run()
        #expect(wire.log.count == 2)
        let syn = wire.log[0].tcp
        let rst = wire.log[1]
        #expect(tcpdumpLine(rst, base: 0, peerBase: 0) == "Flags [R.], seq 0, ack \(syn.sequenceNumber &+ 1), win 0, length 0")
        #expect(rst.source == wire.log[0].destination && rst.destination == wire.log[0].source)
        #expect(wire.events == [.refused(s)])
        #expect(wire.hosts[0].error(of: s) == .connectionRefused)
        #expect(wire.hosts[0].state(of: s) == .closed)
        #expect(throws: SocketError.connectionRefused) { _ = try wire.hosts[0].receive(s, now: wire.now) }
        // The kernel's SYN layout for an unbound connect (refused-v4.txt line 1).
        #expect(blankTimestamps(tcpdumpLine(wire.log[0], base: 0, peerBase: 0)) ==
            "Flags [S], seq \(syn.sequenceNumber), win 65495, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 10], length 0")
    }

    @Test func refusedConnectReleasesItsEphemeralPortAndTheSocketCanConnectAgain() throws {
        var wire = TestWire(host(.linux6))
        let s = wire.hosts[0].socket()
        try wire.hosts[0].connect(s, to: Endpoint(v4, 50000), now: wire.now)
        wire.run()
        let l = wire.hosts[0].socket()
        try wire.hosts[0].bind(l, to: Endpoint(v4, 50000))
        try wire.hosts[0].listen(l, backlog: 4)
        try wire.hosts[0].connect(s, to: Endpoint(v4, 50000), now: wire.now)
        wire.run()
        #expect(wire.hosts[0].state(of: s) == .established)
        #expect(try wire.hosts[0].accept(l).rawValue >= 0)
    }

    /// The 6.18 capture `connect-accept-echo-close-v4.txt` (timestamps blanked, ISNs as tcpdump shows them).
    static let connectAcceptEchoClose = [
        "C Flags [S], seq ISN_C, win 65495, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 10], length 0",
        "S Flags [S.], seq ISN_S, ack ISN_C+1, win 65483, options [mss 65495,sackOK,TS val _ ecr _,nop,wscale 10], length 0",
        "C Flags [.], ack 1, win 64, options [nop,nop,TS val _ ecr _], length 0",
        "C Flags [P.], seq 1:8, ack 1, win 64, options [nop,nop,TS val _ ecr _], length 7",
        "S Flags [.], ack 8, win 64, options [nop,nop,TS val _ ecr _], length 0",
        "S Flags [P.], seq 1:8, ack 8, win 64, options [nop,nop,TS val _ ecr _], length 7",
        "C Flags [.], ack 8, win 64, options [nop,nop,TS val _ ecr _], length 0",
        "C Flags [F.], seq 8, ack 8, win 64, options [nop,nop,TS val _ ecr _], length 0",
        "S Flags [.], ack 9, win 64, options [nop,nop,TS val _ ecr _], length 0",
        "S Flags [F.], seq 8, ack 9, win 64, options [nop,nop,TS val _ ecr _], length 0",
        "C Flags [.], ack 9, win 64, options [nop,nop,TS val _ ecr _], length 0",
    ]

    @Test func linux6ConnectAcceptEchoCloseMatchesTheKernelCapture() throws {
        var wire = TestWire(host(.linux6))
        let h = 0
        let l = wire.hosts[h].socket()
        try wire.hosts[h].bind(l, to: Endpoint(v4, 5000))
        try wire.hosts[h].listen(l, backlog: 16)
        let c = wire.hosts[h].socket()
        try wire.hosts[h].connect(c, to: Endpoint(v4, 5000), now: wire.now)
        wire.run()
        #expect(wire.events.contains(.acceptReady(listener: l)))
        let a = try wire.hosts[h].accept(l)
        _ = try wire.hosts[h].send(c, Array("test1\r\n"), now: wire.now)
        wire.run()
        let got = try wire.hosts[h].receive(a, now: wire.now)
        _ = try wire.hosts[h].send(a, got, now: wire.now)
        wire.run()
        #expect(try wire.hosts[h].receive(c, now: wire.now) == Array("test1\r\n"))
        try wire.hosts[h].close(c, now: wire.now)
        wire.run()
        // As in the capture, the server closes 50 ms later; its ACK of the FIN went out after 40 ms on its own
        // (Linux tcp_fin pingpong mode, delayed-ACK timer TCP_ATO_MIN).
        wire.advance(by: .milliseconds(39))
        #expect(wire.log.count == 8)
        wire.advance(by: .milliseconds(1))
        #expect(wire.log.count == 9)
        wire.advance(by: .milliseconds(10))
        #expect(try wire.hosts[h].receive(a, now: wire.now) == [])
        try wire.hosts[h].close(a, now: wire.now)
        wire.run()

        let client = wire.log[0].source
        let isnC = wire.log[0].tcp.sequenceNumber
        let isnS = wire.log[1].tcp.sequenceNumber
        let lines = wire.log.map { p -> String in
            let fromClient = p.source == client
            var line = tcpdumpLine(p, base: fromClient ? isnC : isnS, peerBase: fromClient ? isnS : isnC)
            line = line.replacing(String(isnC &+ 1), with: "ISN_C+1").replacing("seq \(isnC)", with: "seq ISN_C")
                .replacing("seq \(isnS)", with: "seq ISN_S")
            return (fromClient ? "C " : "S ") + blankTimestamps(line)
        }
        #expect(lines == Self.connectAcceptEchoClose)
        #expect(wire.hosts[h].state(of: c) == .timeWait)
        #expect(wire.hosts[h].state(of: a) == nil)
        #expect(wire.states(of: c) == [.synSent, .established, .finWait1, .finWait2, .timeWait])
        #expect(wire.states(of: a) == [.synReceived, .established, .closeWait, .lastAck, .closed])
    }

    /// RFC 9293 §3.5 figure 7: two stacks connect to each other at once; the SYNs cross.
    @Test(arguments: [TCPConfiguration.rfc9293, .linux310, .linux6])
    func simultaneousOpenBetweenTwoStacksGoesThroughSynReceived(config: TCPConfiguration) throws {
        let a4 = IPAddress.v4(IPv4Address(10, 0, 0, 1))
        let b4 = IPAddress.v4(IPv4Address(10, 0, 0, 2))
        var wire = TestWire(host(config, [a4], seed: 1), host(config, [b4], seed: 2))
        let a = wire.hosts[0].socket()
        let b = wire.hosts[1].socket()
        try wire.hosts[0].bind(a, to: Endpoint(a4, 5000))
        try wire.hosts[1].bind(b, to: Endpoint(b4, 6000))
        try wire.hosts[0].connect(a, to: Endpoint(b4, 6000), now: wire.now)
        try wire.hosts[1].connect(b, to: Endpoint(a4, 5000), now: wire.now)
        wire.run()
        #expect(wire.hosts[0].state(of: a) == .established)
        #expect(wire.hosts[1].state(of: b) == .established)
        #expect(wire.states(of: a, host: 0) == [.synSent, .synReceived, .established])
        #expect(wire.states(of: b, host: 1) == [.synSent, .synReceived, .established])
        #expect(wire.events.contains(.connected(a)) && wire.events.contains(.connected(b)))
        // Each side's SYN-ACK reuses its ISN.
        let synA = wire.log.first { $0.source.port == 5000 && $0.tcp.flags == .syn }
        let synAckA = wire.log.first { $0.source.port == 5000 && $0.tcp.flags == .synAck }
        #expect(synA?.tcp.sequenceNumber == synAckA?.tcp.sequenceNumber)
        // Data flows both ways afterwards.
        _ = try wire.hosts[0].send(a, [1, 2, 3], now: wire.now)
        _ = try wire.hosts[1].send(b, [4, 5], now: wire.now)
        wire.run()
        #expect(try wire.hosts[1].receive(b, now: wire.now) == [1, 2, 3])
        #expect(try wire.hosts[0].receive(a, now: wire.now) == [4, 5])
    }
}

@Suite struct RefusedV6Tests {
    @Test(arguments: [TCPConfiguration.rfc9293, .linux310, .linux6])
    func connectToAClosedV6PortIsRefusedWithRstAck(config: TCPConfiguration) throws {
        var wire = TestWire(host(config))
        let s = wire.hosts[0].socket()
        try wire.hosts[0].connect(s, to: Endpoint(v6, 50000), now: wire.now)
        wire.run()
        #expect(wire.log.map(\.tcp.flags) == [.syn, .rstAck])
        #expect(wire.log[1].tcp.sequenceNumber == 0)
        #expect(wire.log[1].tcp.acknowledgmentNumber == wire.log[0].tcp.sequenceNumber &+ 1)
        #expect(wire.log[0].tcp.options.mss == 65476)
        #expect(wire.hosts[0].error(of: s) == .connectionRefused)
    }
}
