import Testing
import TCPStack
import TCPWire

@Suite struct SeqNumTests {
    @Test func arithmeticAndOrderWrapModulo2To32() {
        #expect(SeqNum(0xFFFF_FFFF) + 1 == SeqNum(0))
        #expect(SeqNum(0xFFFF_FFF0) < SeqNum(5))
        #expect(SeqNum(5) > SeqNum(0xFFFF_FFF0))
        #expect(SeqNum(5) - SeqNum(0xFFFF_FFF0) == 21)
        #expect(SeqNum(7) <= SeqNum(7) && SeqNum(7) >= SeqNum(7))
        // Exactly 2^31 apart the order is undefined (RFC 1982 §3.2); like Linux `before()`, each is "before" the other.
        #expect(SeqNum(0x8000_0010) < SeqNum(0x10) && SeqNum(0x10) < SeqNum(0x8000_0010))
    }
}

@Suite struct EmergenceTests {
    /// The article's loop: an unbound client retries connect() to 127.0.0.1:P with nothing listening. Each
    /// attempt takes the next ephemeral port and is refused, until the allocator hands out P itself: then the
    /// SYN meets its own socket and the connection is established to itself.
    @Test(arguments: [TCPConfiguration.rfc9293, .linux310, .linux6])
    func unboundRetryLoopToAClosedEphemeralPortEndsConnectedToItself(config: TCPConfiguration) throws {
        var w = TestWire(host(config))
        let target = Endpoint(v4, 32775)
        var attempts = 0
        var connected: SocketID?
        while attempts < 100 && connected == nil {
            attempts += 1
            let s = w.hosts[0].socket()
            try w.hosts[0].connect(s, to: target, now: w.now)
            w.run()
            if w.hosts[0].state(of: s) == .established {
                connected = s
            } else {
                #expect(w.hosts[0].error(of: s) == .connectionRefused)
                try w.hosts[0].close(s, now: w.now)
            }
        }
        let s = try #require(connected)
        #expect(attempts == 8)
        #expect(w.hosts[0].localEndpoint(of: s) == target)
        #expect(w.hosts[0].remoteEndpoint(of: s) == target)
        _ = try w.hosts[0].send(s, Array("test1\r\n"), now: w.now)
        w.run()
        #expect(try w.hosts[0].receive(s, now: w.now) == Array("test1\r\n"))
        // While it lives, nobody can bind the port.
        let server = w.hosts[0].socket()
        #expect(throws: SocketError.addressInUse) { try w.hosts[0].bind(server, to: target) }
    }

    @Test func optionsThePeerDidNotOfferAreNotUsed() throws {
        // A plain RFC 9293 client (MSS only) against a Linux 6 server.
        var w = TestWire(host(.linux6, [serverAddress]), host(.rfc9293, [clientAddress]))
        let l = w.hosts[0].socket()
        try w.hosts[0].bind(l, to: serverEndpoint)
        try w.hosts[0].listen(l, backlog: 1)
        let c = w.hosts[1].socket()
        try w.hosts[1].connect(c, to: serverEndpoint, now: w.now)
        w.run()
        let synAck = w.log[1].tcp
        #expect(synAck.flags == .synAck)
        #expect(Array(synAck.options) == [.maxSegmentSize(65495)])
        #expect(synAck.window == 65495)
        let a = try w.hosts[0].accept(l)
        _ = try w.hosts[0].send(a, [1], now: w.now)
        w.run()
        let data = w.log.last { !$0.tcp.payload.isEmpty }!.tcp
        #expect(data.options.count == 0)
        // Unscaled windows: the server's 65495 bytes fit the field as they are.
        #expect(data.window == 65495)
        #expect(w.hosts[0].connection(a)?.sendMSS == 65495)
    }
}
