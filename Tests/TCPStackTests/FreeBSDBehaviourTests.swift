import Testing
import TCPWire
@testable import TCPStack

/// Where FreeBSD's TCP differs from Linux and the plain RFC, as the FreeBSD tcp-testsuite shows it.
@Suite("FreeBSD personality behaviour")
struct FreeBSDBehaviourTests {
    /// On a 1500-byte link, as packetdrill's tun device.
    static var freebsd1500: TCPConfiguration {
        var c = TCPConfiguration.freebsd
        c.interfaceMTU = 1500
        return c
    }

    @Test func theReceiveBufferGrowsToWholeSegmentsOnceTheMSSIsKnown() throws {
        let p = try Pair(Self.freebsd1500)
        // tcp_mss: roundup(65536, 1460) = 45 x 1460, on both ends of the handshake.
        #expect(p.s.receiveBufferSize(of: p.server!) == 65700)
        #expect(p.c.receiveBufferSize(of: p.client) == 65700)
        // Before the handshake the listener keeps recvspace.
        #expect(p.s.receiveBufferSize(of: p.listener) == 65536)
    }

    /// The engine fuzzer's crash-3c78962a: a SYN-ACK whose MSS option is 0 divided by zero in the rounding.
    @Test func aSynAckWithAnMSSOfZeroEstablishesWithTheBufferUnrounded() throws {
        var host = TCPStackTests.host(Self.freebsd1500, [clientAddress], seed: 22)
        let c = host.socket()
        try host.connect(c, to: serverEndpoint, now: .zero)
        let syn = try #require(host.takePackets().first)
        host.receive(IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
            sourcePort: 80, destinationPort: syn.tcp.sourcePort, sequenceNumber: 5000,
            acknowledgmentNumber: syn.tcp.sequenceNumber &+ 1, flags: .synAck, window: 65535,
            options: try TCPOptions([.maxSegmentSize(0)]))), now: .milliseconds(1))
        #expect(host.state(of: c) == .established)
        #expect(host.receiveBufferSize(of: c) == 65536)
    }

    @Test func linuxDoesNotRoundItsReceiveBuffer() throws {
        var linux = TCPConfiguration.linux6
        linux.interfaceMTU = 1500
        let p = try Pair(linux)
        #expect(p.s.receiveBufferSize(of: p.server!) == linux.receiveBufferDefault)
    }

    @Test func anInWindowSynIsChallengedUnlessInsecureSynResetsTheConnection() throws {
        var p = try Pair(Self.freebsd1500)
        let tcb = p.serverTCB
        let syn = p.toServer(seq: tcb.rcvNxt.rawValue + 100, flags: .syn)
        // RFC 5961 §4.2: a challenge ACK at SND.NXT/RCV.NXT, the connection lives.
        let challenge = p.injectToServer(syn)
        #expect(challenge.map(\.tcp.flags) == [.ack])
        #expect(challenge.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue)
        #expect(p.s.state(of: p.server!) == .established)
        // insecure_syn (RFC 793 §3.9): RST,ACK at SND.NXT with window 0; "connection reset".
        var insecure = Self.freebsd1500
        insecure.resetOnSynInWindow = true
        p.s.reconfigure(insecure)
        let reset = p.injectToServer(syn)
        #expect(reset.map(\.tcp.flags) == [.rstAck])
        #expect(reset.first?.tcp.sequenceNumber == tcb.sndNxt.rawValue)
        #expect(reset.first?.tcp.window == 0)
        #expect(p.s.state(of: p.server!) == .closed)
        #expect(p.s.error(of: p.server!) == .connectionReset)
    }

    @Test func aSynBelowTheWindowDrawsAChallengeAckWithoutDSACK() throws {
        var p = try Pair(Self.freebsd1500)
        let tcb = p.serverTCB
        let sent = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue - 1, flags: .syn))
        #expect(sent.map(\.tcp.flags) == [.ack])
        #expect(sent.first?.tcp.options.contains { if case .sack = $0 { true } else { false } } == false)
    }

    @Test func anRSTAtTheBufferEdgeBeyondTheOfferedWindowIsInWindow() throws {
        var p = try Pair(Self.freebsd1500)
        let tcb = p.serverTCB
        // rcv_wnd is the free buffer, 65700, beyond the 65535 the unscaled header can offer.
        let edge = tcb.rcvNxt.rawValue + 65699
        #expect(p.injectToServer(p.toServer(seq: edge + 1, flags: .rst)).isEmpty)
        #expect(p.injectToServer(p.toServer(seq: edge, flags: .rst)).map(\.tcp.flags) == [.ack])
        var insecure = Self.freebsd1500
        insecure.rstChallengeAck = false
        p.s.reconfigure(insecure)
        #expect(p.injectToServer(p.toServer(seq: edge, flags: .rst)).isEmpty)
        #expect(p.s.error(of: p.server!) == .connectionReset)
    }

    @Test func anRSTInCloseWaitReportsConnectionResetOnFreeBSDAndBrokenPipeOnLinux() throws {
        var linux = TCPConfiguration.linux6
        linux.interfaceMTU = 1500
        for (config, errno) in [(Self.freebsd1500, SocketError.connectionReset), (linux, .brokenPipe)] {
            var p = try Pair(config)
            let tcb = p.serverTCB
            _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.fin, .ack]))
            #expect(p.s.state(of: p.server!) == .closeWait)
            _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue + 1, flags: .rst))
            #expect(p.s.error(of: p.server!) == errno)
        }
    }

    @Test func theAckOfASimultaneousCloseRepeatsOurFIN() throws {
        var p = try Pair(Self.freebsd1500)
        try p.s.shutdown(p.server!, .write, now: p.wire.now)
        let fin = try #require(p.s.takePackets().first)
        #expect(fin.tcp.flags == [.fin, .ack])
        let tcb = p.serverTCB
        // The peer's FIN does not ACK ours: CLOSING, and the ACK carries our FIN again (tcp_output).
        let sent = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: fin.tcp.sequenceNumber, flags: [.fin, .ack]))
        #expect(p.s.state(of: p.server!) == .closing)
        #expect(sent.map(\.tcp.flags) == [[.fin, .ack]])
        #expect(sent.first?.tcp.sequenceNumber == fin.tcp.sequenceNumber)
        #expect(sent.first?.tcp.acknowledgmentNumber == tcb.rcvNxt.rawValue + 1)
    }

    @Test func textOnASimultaneousOpenSynWaitsForEstablished() throws {
        var p = try Pair(Self.freebsd1500, connect: false)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        let syn = try #require(p.c.takePackets().first)
        func fromServer(seq: UInt32, ack: UInt32, flags: TCPFlags, payload: [UInt8] = []) throws -> IPPacket {
            IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
                sourcePort: 80, destinationPort: syn.tcp.sourcePort, sequenceNumber: seq, acknowledgmentNumber: ack,
                flags: flags, window: 512, options: flags.contains(.syn) ? try TCPOptions([.maxSegmentSize(1460)]) : TCPOptions(),
                payload: payload))
        }
        p.c.receive(try fromServer(seq: 1000, ack: 0, flags: [.syn], payload: [1, 2, 3]), now: p.wire.now)
        let synAck = try #require(p.c.takePackets().first)
        // The SYN-ACK acknowledges the SYN only; the text waits.
        #expect(synAck.tcp.flags == [.syn, .ack])
        #expect(synAck.tcp.acknowledgmentNumber == 1001)
        #expect(p.c.state(of: p.client) == .synReceived)
        #expect(p.c.readableBytes(of: p.client) == 0)
        p.c.receive(try fromServer(seq: 1004, ack: syn.tcp.sequenceNumber + 1, flags: .ack), now: p.wire.now)
        #expect(p.c.state(of: p.client) == .established)
        #expect(try p.c.receive(p.client, now: p.wire.now) == [1, 2, 3])
    }

    @Test func timeWaitDropsASegmentWithoutAck() throws {
        var p = try Pair(Self.freebsd1500)
        try p.s.shutdown(p.server!, .write, now: p.wire.now)
        p.wire.run()
        try p.c.close(p.client, now: p.wire.now)
        p.wire.run()
        #expect(p.s.state(of: p.server!) == .timeWait)
        let tcb = p.serverTCB
        #expect(p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .fin)).isEmpty)
        #expect(p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue - 1, ack: tcb.sndNxt.rawValue, flags: .ack)).count == 1)
    }

    @Test func dropSynFinDropsSynFinInListen() throws {
        var config = Self.freebsd1500
        config.dropSynFin = true
        var p = try Pair(config, connect: false)
        let synFin = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: 40000, destinationPort: 80, sequenceNumber: 7, flags: [.syn, .fin], window: 512))
        #expect(p.injectToServer(synFin).isEmpty)
        config.dropSynFin = false
        p.s.reconfigure(config)
        #expect(p.injectToServer(synFin).map(\.tcp.flags) == [[.syn, .ack]])
    }

    @Test func tcpInfoReportsWindowsInSegments() throws {
        let p = try Pair(Self.freebsd1500)
        let info = try #require(p.s.tcpInfo(of: p.server!, now: p.wire.now + .milliseconds(250)))
        #expect(info.state == .established)
        #expect(info.congestionWindowSegments == 10)
        #expect(info.slowStartThresholdSegments == Int(Int32.max))
        #expect(info.advertisedMSS == 1460)
        // The handshake's last segment is the last thing received (tcp_create_openreq_child sets lrcvtime).
        #expect(info.lastDataReceivedMilliseconds == 250)
    }

    @Test func aSynAckToAListenerIsDroppedWithoutAReset() throws {
        var p = try Pair(Self.freebsd1500, connect: false)
        let synAck = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: 40000, destinationPort: 80, sequenceNumber: 17, acknowledgmentNumber: 34,
            flags: [.syn, .ack], window: 512))
        #expect(p.injectToServer(synAck).isEmpty)
        var linux = TCPConfiguration.linux6
        linux.interfaceMTU = 1500
        var q = try Pair(linux, connect: false)
        #expect(q.injectToServer(synAck).map(\.tcp.flags) == [.rst])
    }

    @Test func dataOnTheSynAckIsQueuedAndAcknowledged() throws {
        var p = try Pair(Self.freebsd1500, connect: false)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        let syn = try #require(p.c.takePackets().first)
        let synAck = IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
            sourcePort: 80, destinationPort: syn.tcp.sourcePort, sequenceNumber: 1000,
            acknowledgmentNumber: syn.tcp.sequenceNumber + 1, flags: [.syn, .ack], window: 512,
            options: try TCPOptions([.maxSegmentSize(1460)]), payload: [1, 2, 3]))
        p.c.receive(synAck, now: p.wire.now)
        let ack = try #require(p.c.takePackets().first)
        #expect(ack.tcp.acknowledgmentNumber == 1004)
        #expect(try p.c.receive(p.client, now: p.wire.now) == [1, 2, 3])
    }
}

@Suite("Socket queues as ioctl and MSG_PEEK see them")
struct SocketQueueTests {
    @Test func peekCopiesWithoutConsumingAndTheQueuesCount() throws {
        var p = try Pair(.linux6)
        let tcb = p.serverTCB
        _ = p.injectToServer(p.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: [.ack, .psh], payload: [7, 8, 9]))
        #expect(p.s.readableBytes(of: p.server!) == 3)
        #expect(p.s.peek(p.server!, maxBytes: 2) == [7, 8])
        #expect(p.s.readableBytes(of: p.server!) == 3)
        #expect(try p.s.receive(p.server!, now: p.wire.now) == [7, 8, 9])
        #expect(p.s.readableBytes(of: p.server!) == 0)
        _ = try p.s.send(p.server!, [1, 2, 3, 4], now: p.wire.now)
        #expect(p.s.unacknowledgedBytes(of: p.server!) == 4)
    }
}
