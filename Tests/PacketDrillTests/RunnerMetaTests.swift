import PacketDrill
import Testing

/// Scripts that must fail: each mutation of a passing handshake is caught, on the right line, for the right reason.
private let handshake = """
    --tolerance_usecs=4000
    // personality: linux-6
    0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0    bind(3, ..., ...) = 0
    +0    listen(3, 1) = 0
    +0    < S 0:0(0) win 65535 <mss 1460>
    +0    > S. 0:0(0) ack 1 <mss 1460>
    +.1   < . 1:1(0) ack 1 win 65535
    +0    accept(3, ..., ...) = 4

    """

private func run(_ text: String, allowUnsupported: Bool = false, strict: Bool = false) throws -> ScriptOutcome {
    try ScriptRunner.run(text: text, file: "meta.pkt", options: .init(allowUnsupported: allowUnsupported, strict: strict))
}

@Test func theUnmutatedHandshakeAndDataExchangePasses() throws {
    let outcome = try run(handshake + """
        +0    write(4, ..., 10) = 10
        +0    > P. 1:11(10) ack 1
        +0    < . 1:1(0) ack 11 win 65535
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aWrongAckFailsOnItsLine() throws {
    let text = handshake.replacingOccurrences(of: "> S. 0:0(0) ack 1 <", with: "> S. 0:0(0) ack 2 <")
    let failure = try #require(try run(text).failure)
    #expect(failure.location.line == 7)
    #expect(failure.message == "outbound packet differs: ack 1, expected 2")
    #expect(failure.expected == "> S. 0:0(0) ack 2 <mss 1460>")
    #expect(failure.actual?.hasPrefix("> S. 0:0(0) ack 1 win ") == true)
}

@Test func aMissingPacketFails() throws {
    let failure = try #require(try run(handshake + "+0    > P. 1:11(10) ack 1\n").failure)
    #expect(failure.location.line == 10)
    #expect(failure.message.hasPrefix("missing outbound packet"))
    #expect(failure.engineState.first == "fd 3: LISTEN")
    #expect(failure.engineState.contains("fd 4: ESTABLISHED snd.una=1 snd.nxt=1 rcv.nxt=1 snd.wnd=65535"))
}

@Test func anExtraPacketFailsAtTheNextOutboundLineAsInPacketdrill() throws {
    // The write's segment waits in the queue; the `>` line reads it first and finds it is not the FIN.
    let text = handshake + "+0    write(4, ..., 10) = 10\n+0    close(3) = 0\n+0    > F. 1:1(0) ack 1\n"
    let failure = try #require(try run(text).failure)
    #expect(failure.location.line == 12)
    #expect(failure.message == "outbound packet differs: flags P., expected F.")
    // Strict: it fails where it was sent, before the next line.
    let strict = try #require(try run(text, strict: true).failure)
    #expect(strict.location.line == 11)
    #expect(strict.message == "unexpected outbound packet at 0.100000 s before line 11")
    #expect(strict.actual?.hasPrefix("> P. 1:11(10) ack 1") == true)
}

/// The SYN is retransmitted one RTO after the script's last line.
private let synThenSilence = """
    0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
    +0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
    +0    > S 0:0(0) <...>
    """

@Test func aPacketAfterTheLastLinePassesAsInPacketdrill() throws {
    #expect(try run(synThenSilence).failure == nil)
}

@Test func anExtraPacketAfterTheLastLineFailsWhenStrict() throws {
    let text = synThenSilence
    let failure = try #require(try run(text, strict: true).failure)
    #expect(failure.message == "unexpected outbound packet at 1.000000 s after the last line")
    #expect(failure.actual?.hasPrefix("> S 0:0(0) win ") == true)
}

@Test func aPacket100msLateWith4msToleranceFails() throws {
    // The SYN retransmission comes at 1.0 s; the script wants it at 0.9 s.
    let text = """
        --tolerance_usecs=4000
        0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0    > S 0:0(0) <...>
        +.9   > S 0:0(0) <...>
        +0    close(3) = 0
        """
    let failure = try #require(try run(text).failure)
    #expect(failure.location.line == 6)
    #expect(failure.message == "outbound packet late: sent at 1.000000 s, expected by 0.904000 s (tolerance 4000 us)")
    let onTime = try run(text.replacingOccurrences(of: "+.9 ", with: "+1  "))
    #expect(onTime.failure == nil, "\(onTime.failure?.description ?? "")")
}

@Test func aPacketEarlierThanItsWindowFails() throws {
    let text = handshake.replacingOccurrences(of: "+0    > S. 0:0(0)", with: "+.05  > S. 0:0(0)")
    let failure = try #require(try run(text).failure)
    #expect(failure.message.hasPrefix("outbound packet early: sent at 0.000000 s"))
}

@Test func aWrongErrnoFails() throws {
    let text = """
        0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0    fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0    connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)
        """
    let failure = try #require(try run(text).failure)
    #expect(failure.location.line == 3)
    #expect(failure.message == "connect returned -1 EINPROGRESS")
    #expect(failure.expected == "connect(...) = -1 ECONNREFUSED")
}

@Test func unmappedShellLinesFailUnlessUnsupportedLinesMayBeSkipped() throws {
    let text = handshake.replacingOccurrences(
        of: "// personality: linux-6\n", with: "0 `sysctl -q net.ipv4.tcp_frto=2; tc qdisc add dev tun0 root netem delay 10ms`\n")
    let strict = try run(text)
    #expect(strict.failure?.message == "unsupported: sysctl net.ipv4.tcp_frto=2: not in the table of sysctls the engine models; "
        + "shell command 'tc qdisc add dev tun0 root netem delay 10ms' (run with --allow-unsupported to go on)")
    let lenient = try run(text, allowUnsupported: true)
    #expect(lenient.failure == nil)
    #expect(lenient.skippedUnsupported == 1)
    #expect(lenient.unsupported == [
        "sysctl net.ipv4.tcp_frto=2: not in the table of sysctls the engine models",
        "shell command 'tc qdisc add dev tun0 root netem delay 10ms'",
    ])
}

@Test func aMappedSysctlNeedsNoPermission() throws {
    let text = handshake.replacingOccurrences(of: "// personality: linux-6\n", with: "0 `sysctl -q net.ipv4.tcp_timestamps=0`\n")
    let outcome = try run(text)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
    #expect(outcome.unsupported.isEmpty)
}

@Test func aCodeBlockAssertIsCheckedAndAnUncheckableOneFails() throws {
    let holds = try run(handshake + "+0 %{ assert tcpi_state == TCP_ESTABLISHED, tcpi_state }%\n")
    #expect(holds.failure == nil, "\(holds.failure?.description ?? "")")
    let wrong = try #require(try run(handshake + "+0 %{ assert tcpi_snd_cwnd == 11 }%\n").failure)
    #expect(wrong.message == "assert tcpi_snd_cwnd == 11: tcpi_snd_cwnd is 10")
    // An assert the engine cannot evaluate is a check not made: it fails even with --allow-unsupported.
    let unknown = try #require(
        try run(handshake + "+0 %{ assert tcpi_total_retrans == 0 }%\n", allowUnsupported: true).failure)
    #expect(unknown.message == "code block cannot be checked: tcpi_total_retrans is not reported by the engine")
    let lost = try run(handshake + "+0 %{ assert tcpi_lost == 0 and tcpi_retrans == 0 and tcpi_reordering == 3 }%\n")
    #expect(lost.failure == nil, "\(lost.failure?.description ?? "")")
}

/// A passive open and 10 bytes each way, with timestamps: the stack's TS val is its own clock; the script names
/// it 200, then 300, and echoes them back.
private let timestampedExchange = """
    0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0    bind(3, ..., ...) = 0
    +0    listen(3, 1) = 0
    +0    < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
    +0    > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 200 ecr 100,nop,wscale 10>
    +.1   < . 1:1(0) ack 1 win 512 <nop,nop,TS val 110 ecr 200>
    +0    accept(3, ..., ...) = 4
    +0    write(4, ..., 10) = 10
    +0    > P. 1:11(10) ack 1 <nop,nop,TS val 300 ecr 110>
    +0    < . 1:1(0) ack 11 win 512 <nop,nop,TS val 120 ecr 300>
    """

@Test func inboundTimestampEchoIsMappedToTheLiveValue() throws {
    // The stack's TS val is its own clock; the script names it 200 and echoes 200 back.
    let text = timestampedExchange
    let outcome = try run(text)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func outboundTimestampsAreCheckedAsPacketdrillChecksThem() throws {
    // packetdrill (run_packet.c verify_outbound_tcp_option) never compares an outbound TS ecr, and compares the
    // TS val, mapped from the socket's first one, only under --tcp_ts_tick_usecs.
    let text = timestampedExchange
    let wrongEcr = try run(text.replacingOccurrences(of: "TS val 300 ecr 110", with: "TS val 300 ecr 111"))
    #expect(wrongEcr.failure == nil, "\(wrongEcr.failure?.description ?? "")")
    // 100 ms after the SYN-ACK at 1 ms per tick: 300 is right, 330 is 30 ms off.
    let ticked = "--tcp_ts_tick_usecs=1000\n" + text
    let right = try run(ticked)
    #expect(right.failure == nil, "\(right.failure?.description ?? "")")
    let wrongVal = try #require(
        try run(ticked.replacingOccurrences(of: "TS val 300 ecr 110", with: "TS val 330 ecr 110")).failure)
    #expect(wrongVal.message == "outbound packet differs: TS val 300, expected 330 (1000 us per tick, tolerance 4000 us)")
    // Without the tick option the TS val is the stack's own business.
    let unticked = try run(text.replacingOccurrences(of: "TS val 300 ecr 110", with: "TS val 330 ecr 110"))
    #expect(unticked.failure == nil)
}

@Test func aBlockingCallThatReturnsLateFails() throws {
    let text = """
        0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0...0.1 connect(3, ..., ...) = 0
        +0    > S 0:0(0) <...>
        0.3   < S. 0:0(0) ack 1 win 65535 <mss 1460>
        +0    > . 1:1(0) ack 1
        """
    let failure = try #require(try run(text).failure)
    #expect(failure.location.line == 2)
    #expect(failure.message.hasPrefix("connect still blocked at"))
}

@Test func aChainedComparisonChecksBothSides() throws {
    let holds = try run(handshake + "+1 %{ assert 990 <= tcpi_last_data_recv <= 1010, tcpi_last_data_recv }%\n")
    #expect(holds.failure == nil, "\(holds.failure?.description ?? "")")
    let late = try #require(try run(handshake + "+2 %{ assert 990 <= tcpi_last_data_recv <= 1010 }%\n").failure)
    #expect(late.message == "assert tcpi_last_data_recv <= 1010: tcpi_last_data_recv is 2000")
}

@Test func aCodeBlockMayContinueALineWithABackslash() throws {
    let outcome = try run(handshake + "+0 %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd; \\\n      assert tcpi_advmss == 1460 }%\n")
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
    let wrong = try #require(try run(handshake + "+0 %{ assert tcpi_snd_cwnd == 10; \\\n assert tcpi_advmss == 1 }%\n").failure)
    #expect(wrong.message == "assert tcpi_advmss == 1: tcpi_advmss is 1460")
}
