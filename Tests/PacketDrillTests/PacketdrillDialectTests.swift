import PacketDrill
import TCPWire
import Testing

/// The packetdrill syntax that public corpora write and our own scripts did not: notes after return values,
/// `-` flags, `ack` without `.`, IPv6 and IPv4-mapped IPv6, script-chosen descriptor numbers, EWOULDBLOCK.
private func parse(_ text: String) throws -> Script { try ScriptParser.parse(text, file: "t.pkt") }

private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

@Test func aNoteAfterAReturnValueIsKeptAsText() throws {
    let script = try parse("0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)\n+0 close(3) = 0\n")
    guard case .syscall(let call) = script.events[0].body else { Issue.record("not a syscall"); return }
    #expect(call.result == .integer(2))
    #expect(call.errno == nil)
    #expect(call.errnoText == "flags O_RDWR")
    #expect(script.events.count == 2)
}

@Test func aDashMeansNoFlagsAndAckNeedsNoDot() throws {
    let script = try parse("0 < - 0:0(0) win 100\n0 < F 1:1(0) ack 7 win 100\n")
    guard case .packet(let none) = script.events[0].body, case .packet(let fin) = script.events[1].body else {
        Issue.record("not packets"); return
    }
    #expect(none.flags == TCPFlags())
    #expect(none.flagsText == "-")
    #expect(fin.flags == .fin)
    #expect(fin.ack == 7)
}

@Test func ipVersionsGiveThePacketdrillAddresses() throws {
    let v4 = try ScriptAddressing(version: nil)
    #expect(v4.local == .v4(IPv4Address(192, 168, 0, 1)))
    #expect(v4.remote == .v4(IPv4Address(192, 0, 2, 1)))
    let mapped = try ScriptAddressing(version: "ipv4-mapped-ipv6")
    #expect(mapped.flavour == .ipv4MappedIPv6)
    #expect(mapped.remote == .v4(IPv4Address(192, 0, 2, 1)))
    let v6 = try ScriptAddressing(version: "ipv6", remote: "2001:DB8::1/32")
    #expect(v6.local == .v6(IPv6Address(groups: [0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1])))
    #expect(v6.remote == .v6(IPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])))
    #expect(throws: ScriptAddressing.Problem.self) { try ScriptAddressing(version: "ipv5") }
    #expect(throws: ScriptAddressing.Problem.self) { try ScriptAddressing(version: "ipv6", local: "1.2.3.4") }
}

@Test func ipv6TextParsesEveryForm() {
    #expect(ScriptAddressing.parseIPv6("::") == IPv6Address(high: 0, low: 0))
    #expect(ScriptAddressing.parseIPv6("::1") == IPv6Address(high: 0, low: 1))
    #expect(ScriptAddressing.parseIPv6("::ffff:192.0.2.1")?.v4Mapped == IPv4Address(192, 0, 2, 1))
    #expect(ScriptAddressing.parseIPv6("1:2:3:4:5:6:7:8") == IPv6Address(groups: [1, 2, 3, 4, 5, 6, 7, 8]))
    #expect(ScriptAddressing.parseIPv6("1::2::3") == nil)
    #expect(ScriptAddressing.parseIPv6("1:2:3") == nil)
    #expect(ScriptAddressing.parseIPv6("12345::") == nil)
}

/// An IPv6 handshake on packetdrill's 1500-byte tun: MSS 1500 - 40 - 20 = 1440.
@Test func anIPv6PassiveOpenAnnouncesMSS1440() throws {
    let outcome = try run("""
        --ip_version=ipv6
        // personality: linux-6
        0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0  bind(3, ..., ...) = 0
        +0  listen(3, 1) = 0
        +0  < S 0:0(0) win 65535 <mss 1440>
        +0  > S. 0:0(0) ack 1 <mss 1440>
        +.1 < . 1:1(0) ack 1 win 65535
        +0  accept(3, ..., ...) = 4
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func descriptorNumbersAreTheScriptsOwn() throws {
    let outcome = try run("""
        0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 5
        +0  fcntl(5, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0  fcntl(5, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)
        +0  bind(5, ..., ...) = 0
        +0  listen(5, 1) = 0
        +0  accept(5, ..., ...) = -1 EWOULDBLOCK (Operation would block)
        +0  close(5) = 0
        +0  close(3) = -1 EBADF (Bad file descriptor)
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

/// TCP_MAXSEG reads the value set before the handshake and the negotiated send MSS after it (Linux
/// tcp_getsockopt); TCP_USER_TIMEOUT and the keep-alive options reach the engine and read back.
@Test func socketOptionsReachTheEngineAndReadBack() throws {
    let outcome = try run("""
        // personality: linux-6
        0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0  getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0
        +0  setsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], 4) = 0
        +0  getsockopt(3, SOL_TCP, TCP_MAXSEG, [1100], [4]) = 0
        +0  setsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [3000], 4) = 0
        +0  getsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [3000], [4]) = 0
        +0  setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0
        +0  setsockopt(3, SOL_TCP, TCP_KEEPIDLE, [20], 4) = 0
        +0  getsockopt(3, SOL_TCP, TCP_KEEPIDLE, [20], [4]) = 0
        +0  getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], [4]) = 0
        +0  setsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", 4) = 0
        +0  getsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", [16]) = 0
        +0  bind(3, ..., ...) = 0
        +0  listen(3, 1) = 0
        +0  < S 0:0(0) win 65535 <mss 1000>
        +0  > S. 0:0(0) ack 1 <mss 1100>
        +.1 < . 1:1(0) ack 1 win 65535
        +0  accept(3, ..., ...) = 4
        +0  getsockopt(4, SOL_TCP, TCP_MAXSEG, [1000], [4]) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

private let established = """
    // personality: linux-6
    0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0  bind(3, ..., ...) = 0
    +0  listen(3, 1) = 0
    +0  < S 0:0(0) win 65535 <mss 1000>
    +0  > S. 0:0(0) ack 1 <mss 1460>
    +.1 < . 1:1(0) ack 1 win 65535
    +0  accept(3, ..., ...) = 4

    """

@Test func peekLeavesTheDataForTheNextRecvAndIoctlCountsIt() throws {
    let outcome = try run(established + """
        +0  < P. 1:101(100) ack 1 win 65535
        +0  ioctl(4, SIOCINQ, [100]) = 0
        +0  recv(4, ..., 1000, MSG_PEEK) = 100
        +0  ioctl(4, FIONREAD, [100]) = 0
        +0  recv(4, ..., 1000, 0) = 100
        +0  ioctl(4, SIOCINQ, [0]) = 0
        +0  recv(4, ..., 1000, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func sendmsgSendsItsIovecsAndNullBuffersFault() throws {
    let outcome = try run(established + """
        +0  setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
        +0  write(4, NULL, 1000) = -1 EFAULT (Bad address)
        +0  sendto(4, NULL, 1000, 0, ..., ...) = -1 EFAULT (Bad address)
        +0  sendmsg(4, {msg_name(...)=..., msg_iov(2)=[{..., 40}, {..., 20}], msg_flags=0}, 0) = 60
        +0  > P. 1:61(60) ack 1
        +0  ioctl(4, SIOCOUTQ, [60]) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aFlagTheEngineDoesNotModelFailsByName() throws {
    let failure = try #require(try run(established + "+0  send(4, ..., 40, MSG_OOB) = 40\n").failure)
    #expect(failure.message == "send flag MSG_OOB is not modelled by the engine")
}

/// `+.1...0.2`: a blocking call's end counts from the previous event, as its start does (packetdrill run.c);
/// `+0...0.000` may return at once.
@Test func aRelativeBlockingCallEndsRelativeToThePreviousEvent() throws {
    let outcome = try run(established + """
        +.1...0.2 read(4, ..., 100) = 100
        +.1 < P. 1:101(100) ack 1 win 65535
        +0  > . 1:1(0) ack 101
        +0  < P. 101:201(100) ack 1 win 65535
        +0...0.000 read(4, ..., 100) = 100
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

/// epoll over the engine's sockets: edge-triggered entries report once per wake-up (added, data arrived),
/// level-triggered ones whenever ready.
@Test func epollReportsEdgesOncePerWakeUpAndLevelsWhileReady() throws {
    let outcome = try run(established + """
        +0  fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0  epoll_create(1) = 5
        +0  epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLOUT|EPOLLET, fd=4}) = 0
        +0  epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1
        +0  epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
        +0  < P. 1:101(100) ack 1 win 65535
        +0  epoll_wait(5, {events=EPOLLIN|EPOLLOUT, fd=4}, 1, 0) = 1
        +0  epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
        +0  epoll_ctl(5, EPOLL_CTL_MOD, 4, {events=EPOLLIN, fd=4}) = 0
        +0  epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
        +0  epoll_wait(5, {events=EPOLLIN, fd=4}, 1, 0) = 1
        +0  read(4, ..., 100) = 100
        +0  epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0
        +0  close(5) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

/// MSG_MORE and TCP_CORK reach the engine: the corked bytes leave together once a plain write or uncorking
/// pushes them (Linux tcp_push); MSG_EOR keeps a record apart from what follows, and a record that is no longer
/// the tail escapes Nagle (tcp_write_xmit) while the new tail waits for the ACK.
@Test func msgMoreCorkAndEorDriveTheEngine() throws {
    let outcome = try run(established + """
        +0  setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
        +0  send(4, ..., 40, MSG_MORE) = 40
        +0  write(4, ..., 20) = 20
        +0  > P. 1:61(60) ack 1
        +0  setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0
        +0  getsockopt(4, SOL_TCP, TCP_CORK, [1], [4]) = 0
        +0  write(4, ..., 30) = 30
        +0  setsockopt(4, SOL_TCP, TCP_CORK, [0], 4) = 0
        +0  > P. 61:91(30) ack 1
        +.1 < . 1:1(0) ack 91 win 65535
        +0  setsockopt(4, SOL_TCP, TCP_NODELAY, [0], 4) = 0
        +0  write(4, ..., 10) = 10
        +0  > P. 91:101(10) ack 1
        +0  send(4, ..., 10, MSG_EOR) = 10
        +0  write(4, ..., 10) = 10
        +0  > P. 101:111(10) ack 1
        +.1 < . 1:1(0) ack 111 win 65535
        +0  > P. 111:121(10) ack 1
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

/// net.ipv4.tcp_notsent_lowat is in the sysctl table; TCP_NOTSENT_LOWAT reads 0 until the socket sets it.
@Test func notSentLowWaterSysctlAndOption() throws {
    let outcome = try run("`sysctl -q net.ipv4.tcp_notsent_lowat=4000`\n" + established + """
        +0  getsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0], [4]) = 0
        +0  setsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [2000], 4) = 0
        +0  getsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [2000], [4]) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
    #expect(outcome.unsupported.isEmpty, "\(outcome.unsupported)")
}

/// poll reports what tcp_poll would and blocks until an entry is ready: POLLOUT returns once TCP_NOTSENT_LOWAT
/// sees few enough unsent bytes (here after the ACK lets the held bytes go).
@Test func pollBlocksUntilTheUnsentBytesFallBelowTheLowWater() throws {
    let outcome = try run(established + """
        +0  setsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [1000], 4) = 0
        +0  fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0  write(4, ..., 12000) = 12000
        +0  > P. 1:10001(10000) ack 1
        +0  poll([{fd=4, events=POLLOUT, revents=0}], 1, 0) = 0
        +0...0.1 poll([{fd=4, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 1000) = 1
        +.1 < . 1:1(0) ack 10001 win 65535
        +0  > P. 10001:12001(2000) ack 1
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}
