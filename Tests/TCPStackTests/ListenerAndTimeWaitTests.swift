import Testing
import TCPStack
import TCPWire

@Suite struct ListenerAndTimeWaitTests {
    @Test func fullBacklogDropsTheSynAndTheRetransmittedSynSucceedsAfterAccept() throws {
        var p = try Pair(.linux6, backlog: 1, connect: false)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        let second = p.wire.hosts[1].socket()
        try p.wire.hosts[1].connect(second, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        // The second SYN got no answer at all.
        let secondPort = p.wire.hosts[1].localEndpoint(of: second)!.port
        #expect(p.wire.log.filter { $0.destination.port == secondPort }.isEmpty)
        #expect(p.wire.hosts[1].state(of: second) == .synSent)
        _ = try p.wire.hosts[0].accept(p.listener)
        p.wire.runTimers(until: .milliseconds(1500))
        #expect(p.wire.hosts[1].state(of: second) == .established)
        #expect(try p.wire.hosts[0].accept(p.listener).rawValue >= 0)
    }

    @Test func aSynFloodBeyondTheBacklogNeverCrashesAndCreatesAtMostBacklogConnections() throws {
        var p = try Pair(.linux6, backlog: 4, connect: false)
        for port in UInt16(1000)..<UInt16(1200) {
            let syn = IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
                sourcePort: port, destinationPort: 80, sequenceNumber: UInt32(port) * 7, flags: .syn, window: 1000))
            p.wire.hosts[0].receive(syn, now: p.wire.now)
        }
        #expect(p.wire.hosts[0].takePackets().count == 4)
        #expect(p.wire.hosts[0].liveCount == 5)
    }

    @Test func acceptOnAnEmptyQueueIsEAGAIN() throws {
        var p = try Pair(connect: false)
        #expect(throws: SocketError.wouldBlock) { _ = try p.wire.hosts[0].accept(p.listener) }
    }

    @Test func bindToAPortInUseIsEADDRINUSEAndToAForeignAddressIsEADDRNOTAVAIL() throws {
        var p = try Pair(connect: false)
        let s = p.wire.hosts[0].socket()
        #expect(throws: SocketError.addressInUse) { try p.wire.hosts[0].bind(s, to: serverEndpoint) }
        #expect(throws: SocketError.addressNotAvailable) {
            try p.wire.hosts[0].bind(s, to: Endpoint(.v4(IPv4Address(192, 0, 2, 1)), 80))
        }
    }

    @Test func connectTwiceIsEALREADYThenEISCONN() throws {
        var p = try Pair(connect: false)
        try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        #expect(throws: SocketError.alreadyInProgress) {
            try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        }
        p.wire.run()
        #expect(throws: SocketError.alreadyConnected) {
            try p.wire.hosts[1].connect(p.client, to: serverEndpoint, now: p.wire.now)
        }
    }

    @Test func sendAndReceiveOnAnUnconnectedSocketAreENOTCONN() throws {
        var p = try Pair(connect: false)
        let s = p.wire.hosts[1].socket()
        #expect(throws: SocketError.notConnected) { _ = try p.wire.hosts[1].send(s, [1], now: p.wire.now) }
        #expect(throws: SocketError.notConnected) { _ = try p.wire.hosts[1].receive(s, now: p.wire.now) }
        #expect(throws: SocketError.invalidArgument) {
            try p.wire.hosts[1].connect(s, to: Endpoint(serverAddress, 0), now: p.wire.now)
        }
        try p.wire.hosts[1].close(s, now: p.wire.now)
        #expect(throws: SocketError.badDescriptor) { _ = try p.wire.hosts[1].send(s, [1], now: p.wire.now) }
    }

    /// The client side ends in TIME-WAIT; returns the pair with both descriptors closed.
    func closedPair(_ config: TCPConfiguration) throws -> Pair {
        var p = try Pair(config)
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
        return p
    }

    @Test func retransmittedFinInTimeWaitIsAckedAndRestartsTheTimer() throws {
        var p = try closedPair(.linux6)
        let fin = p.wire.log.last { $0.tcp.flags.contains(.fin) && $0.source.address == serverAddress }!
        p.wire.advance(by: .seconds(50))
        p.wire.hosts[1].receive(fin, now: p.wire.now)
        let out = p.wire.hosts[1].takePackets()
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(out.first?.tcp.acknowledgmentNumber == fin.tcp.sequenceNumber &+ 1)
        p.wire.advance(by: .seconds(50))
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
        p.wire.advance(by: .seconds(10))
        #expect(p.wire.hosts[1].state(of: p.client) == nil)
    }

    @Test func newSynWithHigherTimestampReopensTimeWaitOnAListeningHost() throws {
        // The side in TIME-WAIT must listen on the port: here the server closes first.
        var p = try Pair(.linux6)
        let clientPort = p.wire.hosts[1].localEndpoint(of: p.client)!.port
        try p.wire.hosts[0].close(p.server!, now: p.wire.now)
        p.wire.run()
        try p.wire.hosts[1].close(p.client, now: p.wire.now)
        p.wire.run()
        let tw = p.server!
        #expect(p.wire.hosts[0].state(of: tw) == .timeWait)
        let oldSndNxt = p.wire.hosts[0].connection(tw)!.sndNxt
        // The client reconnects from the same port a second later (its timestamps have moved on).
        p.wire.now = p.wire.now + .seconds(1)
        let again = p.wire.hosts[1].socket()
        try p.wire.hosts[1].bind(again, to: Endpoint(clientAddress, clientPort))
        try p.wire.hosts[1].connect(again, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        #expect(p.wire.hosts[1].state(of: again) == .established)
        let synAck = p.wire.log.last { $0.tcp.flags == .synAck }!
        #expect(synAck.tcp.sequenceNumber == (oldSndNxt + 65537).rawValue)
        let reopened = p.wire.transitionsByHost[0].first { $0.from == .timeWait && $0.to == .closed }
        #expect(reopened?.rfc == "RFC 6191 §2")
    }

    @Test func synWithOldTimestampInTimeWaitGetsAnAckNotAConnection() throws {
        var p = try closedPair(.linux6)
        let firstSyn = p.wire.log[0]
        p.wire.hosts[1].receive(
            IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
                sourcePort: 80, destinationPort: firstSyn.tcp.sourcePort, sequenceNumber: 5, flags: .syn,
                window: 100)), now: p.wire.now)
        // No timestamps and a sequence number below RCV.NXT: a challenge ACK, TIME-WAIT stays.
        let out = p.wire.hosts[1].takePackets()
        #expect(out.map(\.tcp.flags) == [.ack])
        #expect(p.wire.hosts[1].state(of: p.client) == .timeWait)
    }

    @Test func bindToAPortInTimeWaitNeedsSoReuseAddrOnBothSockets() throws {
        var w = TestWire(host(.linux6))
        let s = w.hosts[0].socket()
        try w.hosts[0].setReuseAddress(s, true)
        try w.hosts[0].bind(s, to: Endpoint(v4, 40000))
        try w.hosts[0].connect(s, to: Endpoint(v4, 40000), now: w.now)
        w.run()
        try w.hosts[0].close(s, now: w.now)
        w.run()
        #expect(w.hosts[0].state(of: s) == .timeWait)
        let plain = w.hosts[0].socket()
        #expect(throws: SocketError.addressInUse) { try w.hosts[0].bind(plain, to: Endpoint(v4, 40000)) }
        try w.hosts[0].setReuseAddress(plain, true)
        try w.hosts[0].bind(plain, to: Endpoint(v4, 40000))
    }
}

@Suite struct ManyConnectionsTests {
    @Test func threeHundredConnectionsDemultiplexCorrectlyWhileHalfOfThemCloseInRandomOrder() throws {
        var p = try Pair(.linux6, backlog: 512, connect: false)
        var clients: [SocketID] = []
        for _ in 0..<300 {
            let c = p.wire.hosts[1].socket()
            try p.wire.hosts[1].connect(c, to: serverEndpoint, now: p.wire.now)
            clients.append(c)
        }
        p.wire.run()
        var servers: [UInt16: SocketID] = [:]
        for _ in 0..<300 {
            let a = try p.wire.hosts[0].accept(p.listener)
            servers[p.wire.hosts[0].remoteEndpoint(of: a)!.port] = a
        }
        var random = SeededRandom(seed: 3)
        let closing = Set(clients.shuffled(using: &random).prefix(150))
        for c in clients where closing.contains(c) { try p.wire.hosts[1].abort(c, now: p.wire.now) }
        p.wire.run()
        for c in clients where !closing.contains(c) {
            let port = p.wire.hosts[1].localEndpoint(of: c)!.port
            _ = try p.wire.hosts[1].send(c, [UInt8(truncatingIfNeeded: port)], now: p.wire.now)
        }
        p.wire.run()
        for c in clients {
            let port = p.wire.hosts[1].localEndpoint(of: c)?.port
            if closing.contains(c) { continue }
            let a = servers[port!]!
            #expect(try p.wire.hosts[0].receive(a, now: p.wire.now) == [UInt8(truncatingIfNeeded: port!)])
        }
        #expect(servers.values.filter { p.wire.hosts[0].state(of: $0) == .closed }.count == 150)
    }
}
