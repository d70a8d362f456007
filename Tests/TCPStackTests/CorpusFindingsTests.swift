import Testing
import TCPStack
import TCPWire

/// Engine behaviours the packetdrill corpus pinned down, each through the public API with crafted segments.
@Suite struct CorpusFindingsTests {
    /// The server's connection in CLOSE-WAIT: the client sent its FIN.
    func closeWaitPair() throws -> Pair {
        var p = try Pair()
        try p.wire.hosts[1].shutdown(p.client, .write, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[0].state(of: p.server!) == .closeWait)
        return p
    }

    @Test func rstInCloseWaitMakesTheNextWriteFailWithEPIPE() throws {
        var p = try closeWaitPair()
        let tcb = p.serverTCB
        #expect(p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, flags: .rst)).isEmpty)
        #expect(p.wire.hosts[0].state(of: p.server!) == .closed)
        #expect(p.wire.hosts[0].error(of: p.server!) == .brokenPipe)
        #expect(throws: SocketError.brokenPipe) { _ = try p.wire.hosts[0].send(p.server!, [1], now: p.wire.now) }
    }
}

extension CorpusFindingsTests {
    @Test func dataAfterCloseInFinWait1IsAnsweredWithARstAndClosesTheConnection() throws {
        var p = try Pair()
        let server = p.server!
        try p.wire.hosts[0].close(server, now: p.wire.now)
        let fin = try #require(p.wire.hosts[0].takePackets().first)
        #expect(p.wire.hosts[0].state(of: server) == .finWait1)
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: fin.tcp.sequenceNumber &+ 1, flags: [.ack, .psh], payload: [1, 2, 3]))
        #expect(out.map(\.tcp.flags) == [.rst])
        #expect(out.first?.tcp.sequenceNumber == fin.tcp.sequenceNumber &+ 1)
        #expect(p.wire.hosts[0].state(of: server) == nil)
    }

    @Test func dataAfterCloseIsStillAcceptedByTheRfc9293Preset() throws {
        var p = try Pair(.rfc9293)
        let server = p.server!
        try p.wire.hosts[0].close(server, now: p.wire.now)
        let fin = try #require(p.wire.hosts[0].takePackets().first)
        let tcb = p.serverTCB
        let out = p.injectToServer(p.toServer(
            seq: tcb.rcvNxt.rawValue, ack: fin.tcp.sequenceNumber &+ 1, flags: [.ack, .psh], payload: [1, 2, 3]))
        // Acknowledged by the delayed-ACK timer (200 ms for this preset).
        #expect(out.isEmpty)
        p.wire.hosts[0].advance(to: p.wire.now + .milliseconds(200))
        let ack = p.wire.hosts[0].takePackets()
        #expect(ack.map(\.tcp.flags) == [.ack])
        #expect(ack.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue &+ 3)
        #expect(p.wire.hosts[0].state(of: server) == .finWait2)
    }
}

extension CorpusFindingsTests {
    @Test func sendInSynSentIsEAGAINOnLinuxAndIsQueuedByRfc9293() throws {
        var linux = try Pair(.linux6, connect: false)
        try linux.wire.hosts[1].connect(linux.client, to: serverEndpoint, now: linux.wire.now)
        #expect(throws: SocketError.wouldBlock) {
            _ = try linux.wire.hosts[1].send(linux.client, [1, 2, 3], now: linux.wire.now)
        }
        var rfc = try Pair(.rfc9293, connect: false)
        try rfc.wire.hosts[1].connect(rfc.client, to: serverEndpoint, now: rfc.wire.now)
        #expect(try rfc.wire.hosts[1].send(rfc.client, [1, 2, 3], now: rfc.wire.now) == 3)
        rfc.wire.run()
        let server = try rfc.wire.hosts[0].accept(rfc.listener)
        // RFC 9293 §3.10.2: the queued bytes go out once ESTABLISHED.
        #expect(try rfc.wire.hosts[0].receive(server, now: rfc.wire.now) == [1, 2, 3])
    }
}

extension CorpusFindingsTests {
    /// The client side in TIME-WAIT after the server's FIN; returns the pair and the server's FIN.
    func timeWaitPair(_ config: TCPConfiguration) throws -> (Pair, IPPacket) {
        var p = try Pair(config)
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
        let fin = try #require(p.wire.log.last { $0.tcp.flags.contains(.fin) && $0.source.address == serverAddress })
        return (p, fin)
    }

    /// In-order data after the peer's FIN, addressed to the client's TIME-WAIT connection.
    func dataAfterFin(_ fin: IPPacket) -> IPPacket {
        IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
            sourcePort: 80, destinationPort: fin.tcp.destinationPort, sequenceNumber: fin.tcp.sequenceNumber &+ 1,
            acknowledgmentNumber: fin.tcp.acknowledgmentNumber, flags: [.ack, .psh], window: 512,
            options: fin.tcp.options, payload: [1, 2, 3]))
    }

    @Test func dataInTimeWaitIsAckedAndRestartsTheTimerOnLinux() throws {
        var (p, fin) = try timeWaitPair(.linux6)
        p.wire.advance(by: .seconds(50))
        p.wire.hosts[1].receive(dataAfterFin(fin), now: p.wire.now)
        let out = p.wire.hosts[1].takePackets()
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(out.first?.tcp.acknowledgmentNumber == fin.tcp.sequenceNumber &+ 1)
        p.wire.advance(by: .seconds(59))
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
    }

    @Test func dataInTimeWaitIsIgnoredByTheRfc9293Preset() throws {
        var (p, fin) = try timeWaitPair(.rfc9293)
        p.wire.hosts[1].receive(dataAfterFin(fin), now: p.wire.now)
        #expect(p.wire.hosts[1].takePackets().isEmpty)
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
    }
}

extension CorpusFindingsTests {
    /// A listener that answered one SYN; returns the host, the SYN and the SYN-ACK it sent.
    func synReceived(_ config: TCPConfiguration) throws -> (HostStack, IPPacket, IPPacket) {
        var host = TCPStackTests.host(config, [serverAddress], seed: 11)
        let l = host.socket()
        try host.bind(l, to: serverEndpoint)
        try host.listen(l, backlog: 4)
        let syn = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: 40000, destinationPort: 80, sequenceNumber: 1000, flags: .syn, window: 65535,
            options: try TCPOptions([.maxSegmentSize(1460)])))
        host.receive(syn, now: .zero)
        let synAck = try #require(host.takePackets().first)
        #expect(synAck.tcp.flags == .synAck)
        return (host, syn, synAck)
    }

    @Test func retransmittedSynInSynReceivedGetsTheSynAckAgainOnLinux() throws {
        var (host, syn, synAck) = try synReceived(.linux6)
        host.receive(syn, now: .milliseconds(100))
        let out = host.takePackets()
        #expect(out.map(\.tcp.flags) == [.synAck])
        #expect(out.first?.tcp.sequenceNumber == synAck.tcp.sequenceNumber)
    }

    @Test func retransmittedSynInSynReceivedFailsTheSequenceCheckAndGetsAnAckUnderRfc9293() throws {
        var (host, syn, synAck) = try synReceived(.rfc9293)
        host.receive(syn, now: .milliseconds(100))
        let out = host.takePackets()
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(out.first?.tcp.sequenceNumber == synAck.tcp.sequenceNumber &+ 1)
        #expect(out.first?.tcp.acknowledgmentNumber == 1001)
    }
}

extension CorpusFindingsTests {
    /// A SYN above RCV.NXT, without timestamps, for the server's TIME-WAIT connection (the server closed first
    /// and still listens on the port).
    func synAboveRcvNxtInTimeWait(_ config: TCPConfiguration) throws -> (Pair, [IPPacket]) {
        var p = try Pair(config)
        let client = try #require(p.wire.hosts[1].localEndpoint(of: p.client))
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[0].state(of: p.server!) == .timeWait)
        let syn = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: client.port, destinationPort: 80, sequenceNumber: p.serverTCB.rcvNxt.rawValue &+ 100_000,
            flags: .syn, window: 65535))
        let out = p.injectToServer(syn)
        return (p, out)
    }

    @Test func synAboveRcvNxtWithoutTimestampsGetsAChallengeAckInTimeWaitUnderRfc9293() throws {
        let (p, out) = try synAboveRcvNxtInTimeWait(.rfc9293)
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(out.first?.tcp.acknowledgmentNumber == p.serverTCB.rcvNxt.rawValue)
        #expect(p.wire.hosts[0].state(of: p.server!) == .timeWait)
    }

    @Test func synAboveRcvNxtWithoutTimestampsReopensTimeWaitOnLinux() throws {
        var linuxNoTimestamps = TCPConfiguration.linux6
        linuxNoTimestamps.timestamps = false
        let (p, out) = try synAboveRcvNxtInTimeWait(linuxNoTimestamps)
        #expect(out.map(\.tcp.flags) == [.synAck])
        // The TIME-WAIT TCB is gone: a new incarnation (reusing its slot) answers from SYN-RECEIVED.
        #expect(p.wire.hosts[0].state(of: p.server!) == .synReceived)
    }
}

extension CorpusFindingsTests {
    @Test func tcpMaxsegLowersTheAnnouncedMSSAndTheSendMSS() throws {
        var p = try Pair(.linux6, connect: false)
        #expect(throws: SocketError.invalidArgument) { try p.wire.hosts[1].setMaximumSegmentSize(p.client, 87) }
        try p.wire.hosts[1].setMaximumSegmentSize(p.client, 1000)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.log.first?.tcp.options.mss == 1000)
        // Window rounded to the clamped MSS (Linux tcp_select_initial_window): 65536 -> 65000.
        #expect(p.wire.log.first?.tcp.window == 65000)
        // Both sides send at most 1000 - 12 (timestamps) bytes per segment.
        #expect(p.wire.hosts[1].connection(p.client)?.sendMSS == 988)
        let server = try p.wire.hosts[0].accept(p.listener)
        #expect(p.wire.hosts[0].connection(server)?.sendMSS == 988)
    }

    @Test func soRcvbufIsDoubledAndDrivesTheWindowAndItsScale() throws {
        var p = try Pair(.linux6, connect: false)
        #expect(p.wire.hosts[1].receiveBufferSize(of: p.client) == 131072)
        try p.wire.hosts[1].setReceiveBufferSize(p.client, 10000)
        #expect(p.wire.hosts[1].receiveBufferSize(of: p.client) == 20000)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        let syn = try #require(p.wire.log.first)
        // Half of 20000, rounded down to the MSS (65483 > 10000: no rounding); wscale 0 (10000 fits 16 bits).
        #expect(syn.tcp.window == 10000)
        #expect(syn.tcp.options.windowScale == 0)
        // rmem_max caps the request before doubling.
        try p.wire.hosts[0].setReceiveBufferSize(p.listener, 1 << 30)
        #expect(p.wire.hosts[0].receiveBufferSize(of: p.listener) == 425_984)
    }

    @Test func soSndbufIsDoubledAndLimitsWhatSendTakes() throws {
        var p = try Pair(.linux6)
        try p.wire.hosts[1].setSendBufferSize(p.client, 1000)
        #expect(p.wire.hosts[1].sendBufferSize(of: p.client) == 4608)
        try p.wire.hosts[1].setSendBufferSize(p.client, 3000)
        #expect(p.wire.hosts[1].sendBufferSize(of: p.client) == 6000)
        // Linux tests sk_sndbuf only before a new skb (tcp_sendmsg_locked): the first skb, one loopback MSS (65483),
        // is taken whatever the buffer; the next would need the queue (65483 + 896 bytes) below 6000.
        #expect(try p.wire.hosts[1].send(p.client, [UInt8](repeating: 7, count: 200_000), now: p.wire.now) == 65483)
    }
}
