import Testing
@testable import TCPStack
import TCPWire

/// The per-connection memory the `selfconnect-bench memory` goal (at most 1 KiB per idle connection) rests on.
@Suite struct ConnectionMemoryTests {
    /// Every socket costs a slot of this size in its host's array, which grows by doubling (1.3x at 100,000
    /// connections, up to 2x). 512 bytes keeps an idle connection near 700 bytes with the demultiplexing table;
    /// the TCB was 640 bytes before its fields were ordered by size and its cold ones narrowed, and 832 with the
    /// data path's state before that state was compacted and its rarely used part moved out of line.
    @Test func connectionStrideStaysWithin512Bytes() {
        #expect(MemoryLayout<Connection>.stride <= 512)
    }

    @Test func anIdleEstablishedConnectionHoldsNoBufferStorage() throws {
        let p = try Pair()
        #expect(p.s.state(of: p.server!) == .established)
        #expect(p.c.state(of: p.client) == .established)
        #expect(p.s.bufferStorageBytes == 0)
        #expect(p.c.bufferStorageBytes == 0)
    }

    /// Keep-alive, user-timeout and persist state lives out of line and is allocated only when it changes: a
    /// connection that exchanged data and went idle holds none, on either side.
    @Test func aConnectionThatExchangedDataAndWentIdleHoldsNoOutOfLineState() throws {
        var p = try Pair()
        let message = Array("hello, idle world".utf8)
        #expect(try p.wire.hosts[1].send(p.client, message, now: p.wire.now) == message.count)
        p.wire.run()
        #expect(try p.wire.hosts[0].receive(p.server!, now: p.wire.now) == message)
        #expect(try p.wire.hosts[0].send(p.server!, message, now: p.wire.now) == message.count)
        p.wire.run()
        #expect(try p.wire.hosts[1].receive(p.client, now: p.wire.now) == message)
        #expect(p.s.connection(p.server!)?.rareState == nil)
        #expect(p.c.connection(p.client)?.rareState == nil)
    }

    /// The out-of-line state is copied on write: a `Connection` read before a socket option changed keeps the
    /// old settings, and the socket keeps the new ones.
    @Test func aConnectionReadBeforeAKeepaliveChangeKeepsTheOldSettings() throws {
        var p = try Pair()
        try p.wire.hosts[1].setKeepalive(p.client, true, now: p.wire.now)
        try p.wire.hosts[1].setKeepaliveCount(p.client, 3)
        let before = try #require(p.c.connection(p.client))
        try p.wire.hosts[1].setKeepaliveCount(p.client, 7)
        try p.wire.hosts[1].setUserTimeout(p.client, milliseconds: 5000)
        let after = try #require(p.c.connection(p.client))
        #expect(before.keepalive.enabled)
        #expect(before.keepalive.count == 3)
        #expect(before.userTimeout.timeout == nil)
        #expect(after.keepalive.count == 7)
        #expect(after.userTimeout.timeout == .milliseconds(5000))
    }

    /// The per-connection defaults are built from constants; they must equal what the public initialisers build.
    @Test func defaultsBuiltFromConstantsEqualThoseBuiltFromDurations() {
        #expect(RTOEstimator.rfc6298Default == RTOEstimator(parameters: .rfc6298))
        #expect(PersistTimer.engineDefault == PersistTimer(maximum: .seconds(120), maxUnansweredProbes: nil))
    }

    /// The 4-tuple table keeps no copy of the key: it compares the sockets' endpoints. Growing it past its first
    /// 64 slots and removing every other connection must leave each remaining 4-tuple on its own socket.
    @Test func demultiplexingFindsEachConnectionAfterTheTableGrowsAndHalfTheConnectionsClose() throws {
        var p = try Pair(backlog: 256, connect: false)
        var pairs: [(client: SocketID, server: SocketID)] = []
        for _ in 0..<200 {
            let c = p.wire.hosts[1].socket()
            try p.wire.hosts[1].connect(c, to: serverEndpoint, now: p.wire.now)
            p.wire.run()
            pairs.append((c, try p.wire.hosts[0].accept(p.listener)))
        }
        for (k, pair) in pairs.enumerated() where k % 2 == 0 {
            try p.wire.hosts[1].abort(pair.client, now: p.wire.now)
        }
        p.wire.run()
        for (k, pair) in pairs.enumerated() {
            if k % 2 == 0 {
                #expect(p.wire.hosts[0].state(of: pair.server) == .closed)
                continue
            }
            let message = Array("connection \(k)".utf8)
            #expect(try p.wire.hosts[1].send(pair.client, message, now: p.wire.now) == message.count)
            p.wire.run()
            #expect(try p.wire.hosts[0].receive(pair.server, now: p.wire.now) == message)
        }
    }
}
