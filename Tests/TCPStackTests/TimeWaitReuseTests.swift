import Testing
import TCPWire
@testable import TCPStack

/// connect() onto a 4-tuple in TIME-WAIT (Linux `tcp_twsk_unique` with `tcp_tw_reuse` and
/// `tcp_tw_reuse_delay`): the client's only port (IP_LOCAL_PORT_RANGE) is held by its own TIME-WAIT.
@Suite struct TimeWaitReuseTests {
    static let port: UInt32 = 50000

    static func config(reuse: Int, delay: Duration = .seconds(1), timestamps: Bool = true) -> TCPConfiguration {
        var c = TCPConfiguration.linux6
        c.timeWaitReuse = reuse
        c.timeWaitReuseDelay = delay
        c.timestamps = timestamps
        return c
    }

    /// The client connects from its one port, closes first and is left in TIME-WAIT; a second socket limited to
    /// that port is returned unconnected.
    /// Connects the client, then closes it first and the server after: the client ends in TIME-WAIT.
    static func connectAndCloseFirst(_ p: inout Pair) throws {
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        p.server = try p.s.accept(p.listener)
        try p.c.close(p.client, now: p.wire.now)
        p.wire.run()
        try p.s.close(p.server!, now: p.wire.now)
        p.wire.run()
        #expect(p.c.state(of: p.client) == .timeWait)
    }

    static func clientInTimeWait(_ config: TCPConfiguration) throws -> (Pair, SocketID) {
        var p = try Pair(config, connect: false)
        try p.c.setLocalPortRange(p.client, port | port << 16)
        try connectAndCloseFirst(&p)
        let next = p.c.socket()
        try p.c.setLocalPortRange(next, port | port << 16)
        return (p, next)
    }

    @Test func withReuseOnTheTimeWaitIsTakenOverOnceTheDelayHasPassed() throws {
        var (p, next) = try Self.clientInTimeWait(Self.config(reuse: 1, delay: .milliseconds(1)))
        // Within the delay (same millisecond): still refused.
        #expect(throws: SocketError.addressNotAvailable) { try p.c.connect(next, to: serverEndpoint, now: p.wire.now) }
        p.wire.now = p.wire.now + .milliseconds(2)
        try p.c.connect(next, to: serverEndpoint, now: p.wire.now)
        #expect(p.c.localEndpoint(of: next)?.port == UInt16(Self.port))
        #expect(p.c.state(of: p.client) != .timeWait)
    }

    @Test func theDelayMustBeStrictlyExceeded() throws {
        var (p, next) = try Self.clientInTimeWait(Self.config(reuse: 1, delay: .seconds(1)))
        p.wire.now = p.wire.now + .milliseconds(990)
        #expect(throws: SocketError.addressNotAvailable) { try p.c.connect(next, to: serverEndpoint, now: p.wire.now) }
        p.wire.now = p.wire.now + .milliseconds(20)
        try p.c.connect(next, to: serverEndpoint, now: p.wire.now)
    }

    @Test func withoutTimestampsTheTimeWaitIsNeverTakenOver() throws {
        var (p, next) = try Self.clientInTimeWait(Self.config(reuse: 1, delay: .milliseconds(1), timestamps: false))
        p.wire.now = p.wire.now + .seconds(5)
        #expect(throws: SocketError.addressNotAvailable) { try p.c.connect(next, to: serverEndpoint, now: p.wire.now) }
    }

    @Test func reuseTwoAppliesOnlyToLoopbackAndZeroNever() throws {
        for reuse in [0, 2] {
            var (p, next) = try Self.clientInTimeWait(Self.config(reuse: reuse, delay: .milliseconds(1)))
            p.wire.now = p.wire.now + .seconds(5)
            #expect(throws: SocketError.addressNotAvailable) { try p.c.connect(next, to: serverEndpoint, now: p.wire.now) }
        }
    }

    @Test func theNewIncarnationEchoesTheOldTSRecentAndStartsPastTheOldSequenceSpace() throws {
        var (p, next) = try Self.clientInTimeWait(Self.config(reuse: 1, delay: .milliseconds(1)))
        let old = try #require(p.c.connection(p.client))
        #expect(old.tsRecent != 0)
        p.wire.now = p.wire.now + .seconds(2)
        _ = p.c.takePackets()
        try p.c.connect(next, to: serverEndpoint, now: p.wire.now)
        let syn = try #require(p.c.takePackets().first { $0.tcp.flags == .syn })
        // Linux tcp_twsk_unique: TS.Recent carries over (tcp_syn_options echoes it); ISS = old SND.NXT + 65535 + 2.
        #expect(syn.tcp.options.timestamps?.echoReply == old.tsRecent)
        #expect(syn.tcp.sequenceNumber == old.sndNxt.rawValue &+ 65537)
    }

    @Test func aFreshConnectionsSynEchoesZero() throws {
        var p = try Pair(Self.config(reuse: 1), connect: false)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        let syn = try #require(p.c.takePackets().first { $0.tcp.flags == .syn })
        #expect(syn.tcp.options.timestamps?.echoReply == 0)
    }

    /// A client bound to port 50000 (SO_REUSEADDR) connects, closes first and is left in TIME-WAIT; a second bound
    /// socket then connects to the same peer at once: does it get the 4-tuple?
    static func boundReconnect(_ config: TCPConfiguration) throws -> Result<TCPState?, SocketError> {
        var p = try Pair(config, connect: false)
        let local = Endpoint(clientAddress, 50000)
        try p.c.setReuseAddress(p.client, true)
        try p.c.bind(p.client, to: local)
        try connectAndCloseFirst(&p)
        let next = p.c.socket()
        try p.c.setReuseAddress(next, true)
        try p.c.bind(next, to: local)
        do throws(SocketError) {
            try p.c.connect(next, to: serverEndpoint, now: p.wire.now)
        } catch {
            return .failure(error)
        }
        return .success(p.c.state(of: next))
    }

    @Test func aSocketHoldingItsPortByBindTakesOverAtOnce() throws {
        // Linux passes no `twp` for a bound socket: timestamps alone decide, whatever tcp_tw_reuse says.
        #expect(try Self.boundReconnect(Self.config(reuse: 0)) == .success(.synSent))
        #expect(try Self.boundReconnect(Self.config(reuse: 0, timestamps: false)) == .failure(.addressNotAvailable))
    }
}

/// Without Linux's rule (nil), even a bound socket with timestamps cannot take over a TIME-WAIT 4-tuple.
@Test func aPersonalityWithoutTheRuleNeverTakesOverTimeWait() throws {
    var c = TCPConfiguration.linux6
    c.timeWaitReuse = nil
    #expect(TCPConfiguration.freebsd.timeWaitReuse == nil)
    var (p, next) = try TimeWaitReuseTests.clientInTimeWait(c)
    p.wire.now = p.wire.now + .seconds(5)
    #expect(throws: SocketError.addressNotAvailable) { try p.c.connect(next, to: serverEndpoint, now: p.wire.now) }
    #expect(try TimeWaitReuseTests.boundReconnect(c) == .failure(.addressNotAvailable))
}

/// The host's own allocator (here a one-port ephemeral range, no IP_LOCAL_PORT_RANGE) also counts a TIME-WAIT it
/// may take over as a usable port (Linux `__inet_hash_connect` -> `__inet_check_established` with `twp`).
@Test func theHostsAllocatorTakesOverATimeWaitOnItsOnlyPort() throws {
    var config = TCPConfiguration.linux6
    config.timeWaitReuse = 1
    config.timeWaitReuseDelay = .milliseconds(1)
    let onePort = try PortRange(lower: 50000, upper: 50000)
    var wire = TestWire(
        host(config, [serverAddress], seed: 11),
        HostStack(addresses: [clientAddress], configuration: config,
                  portAllocator: SequentialPortAllocator(range: onePort), seed: 22))
    let listener = wire.hosts[0].socket()
    try wire.hosts[0].bind(listener, to: serverEndpoint)
    try wire.hosts[0].listen(listener, backlog: 8)
    let first = wire.hosts[1].socket()
    try wire.hosts[1].connect(first, to: serverEndpoint, now: wire.now)
    wire.run()
    let server = try wire.hosts[0].accept(listener)
    try wire.hosts[1].close(first, now: wire.now)
    wire.run()
    try wire.hosts[0].close(server, now: wire.now)
    wire.run()
    #expect(wire.hosts[1].state(of: first) == .timeWait)
    let second = wire.hosts[1].socket()
    #expect(throws: SocketError.addressNotAvailable) { try wire.hosts[1].connect(second, to: serverEndpoint, now: wire.now) }
    wire.now = wire.now + .milliseconds(2)
    try wire.hosts[1].connect(second, to: serverEndpoint, now: wire.now)
    #expect(wire.hosts[1].localEndpoint(of: second)?.port == 50000)
    wire.run()
    #expect(wire.hosts[1].state(of: second) == .established)
}

/// `tcp_tw_reuse` 2 applies to loopback only; an autobound connect() elsewhere never looks for a TIME-WAIT.
@Test func takeoverIsPossibleForReuseOneAndForReuseTwoOnLoopbackOnly() {
    var c = TCPConfiguration.linux6
    let lo = IPAddress.v4(IPv4Address(127, 0, 0, 1))
    #expect(HostStack.timeWaitTakeoverPossible(c, local: lo, remote: lo))
    #expect(!HostStack.timeWaitTakeoverPossible(c, local: clientAddress, remote: serverAddress))
    c.timeWaitReuse = 1
    #expect(HostStack.timeWaitTakeoverPossible(c, local: clientAddress, remote: serverAddress))
    c.timeWaitReuse = 0
    #expect(!HostStack.timeWaitTakeoverPossible(c, local: lo, remote: lo))
    #expect(!HostStack.timeWaitTakeoverPossible(.freebsd, local: lo, remote: lo))
}
