import PacketDrill
import TCPWire
import Testing

private func parse(_ text: String, defines: Set<String> = []) throws -> Script {
    try ScriptParser.parse(text, file: "t.pkt", defines: defines)
}

private func packet(_ event: ScriptEvent) -> PacketSpec? {
    if case .packet(let p) = event.body { return p }
    return nil
}

private func syscall(_ event: ScriptEvent) -> SyscallSpec? {
    if case .syscall(let s) = event.body { return s }
    return nil
}

@Test func optionLinesAreCollectedWithTheirValues() throws {
    let script = try parse("--tolerance_usecs=4000\n--ip_version=ipv4\n--mss=1460\n--verbose\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n")
    #expect(script.options.map(\.name) == ["tolerance_usecs", "ip_version", "mss", "verbose"])
    #expect(script.option("tolerance_usecs") == "4000")
    #expect(script.option("ip_version") == "ipv4")
    #expect(script.option("verbose") == nil)
    #expect(script.events.count == 1)
}

@Test func timesAreAbsoluteRelativeAnyOrRangesInMicroseconds() throws {
    let script = try parse("""
        0.100 close(3) = 0
        +.5 close(3) = 0
        * close(3) = 0
        0.1~0.25 close(3) = 0
        +0~+0.002 close(3) = 0
        1 close(3) = 0
        """)
    #expect(script.events.map(\.time) == [
        .at(TimePoint(microseconds: 100_000, relative: false)),
        .at(TimePoint(microseconds: 500_000, relative: true)),
        .any,
        .range(TimePoint(microseconds: 100_000, relative: false), TimePoint(microseconds: 250_000, relative: false)),
        .range(TimePoint(microseconds: 0, relative: true), TimePoint(microseconds: 2_000, relative: true)),
        .at(TimePoint(microseconds: 1_000_000, relative: false)),
    ])
}

@Test func inboundSynWithEveryOptionKind() throws {
    let script = try parse("0 < S 0:0(0) win 32792 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>\n")
    let p = try #require(packet(script.events[0]))
    #expect(p.direction == .inbound)
    #expect(p.flags == .syn)
    #expect(p.sequenceStart == 0 && p.sequenceEnd == 0 && p.payloadLength == 0)
    #expect(p.window == 32792)
    #expect(p.ack == nil)
    #expect(p.options == .list([
        .maxSegmentSize(1460), .sackPermitted, .timestamps(value: 100, echoReply: 0), .noOperation, .windowScale(7),
    ]))
}

@Test func outboundDataWithAckSackBlocksAndEol() throws {
    let script = try parse("+0 > P. 1:1001(1000) ack 1 win 502 urg 3 <nop,nop,sack 1:2 3:4,eol>\n")
    let p = try #require(packet(script.events[0]))
    #expect(p.direction == .outbound)
    #expect(p.flags == [.psh, .ack])
    #expect(p.flagsText == "P.")
    #expect(p.sequenceStart == 1 && p.sequenceEnd == 1001 && p.payloadLength == 1000)
    #expect(p.ack == 1 && p.window == 502 && p.urgentPointer == 3)
    #expect(p.options == .list([
        .noOperation, .noOperation,
        .sack([SACKBlock(left: 1, right: 2), SACKBlock(left: 3, right: 4)]), .endOfList,
    ]))
}

@Test func flagsAndEcnAndAnyOptions() throws {
    let script = try parse("""
        0 > S. 0:0(0) ack 1 <...>
        0 < R. 1:1(0) ack 1 win 0
        0 < F. 1:1(0) ack 1 win 100
        0 > [ect0] SEW 0:0(0)
        0 < . 1:1(0) ack 1 win 10
        0 > FPU. 5:6(1) ack 9
        """)
    let flags = script.events.compactMap(packet).map(\.flags)
    #expect(flags == [[.syn, .ack], [.rst, .ack], [.fin, .ack], [.syn, .ece, .cwr], [.ack], [.fin, .psh, .urg, .ack]])
    #expect(packet(script.events[0])?.options == .any)
    #expect(packet(script.events[3])?.ecn == "ect0")
    #expect(packet(script.events[1])?.options == OptionsSpec.none)
}

@Test func syscallsWithEllipsisArraysStructsAndErrno() throws {
    let script = try parse("""
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0
        +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
        +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
        +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0 write(4, ..., 1000) = 1000
        +0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}, 16) = 0
        +0 read(4, ..., 0x10) = -1 EAGAIN
        """)
    let calls = script.events.compactMap(syscall)
    #expect(calls.map(\.name) == ["socket", "setsockopt", "getsockopt", "fcntl", "connect", "write", "bind", "read"])
    #expect(calls[0].arguments == [.ellipsis, .identifier("SOCK_STREAM"), .identifier("IPPROTO_TCP")])
    #expect(calls[0].result == .integer(3))
    #expect(calls[1].arguments[3] == .structure([
        StructField(name: "l_onoff", value: .integer(1)), StructField(name: "l_linger", value: .integer(0)),
    ]))
    #expect(calls[2].arguments[3] == .array([.identifier("ECONNREFUSED")]))
    #expect(calls[3].arguments[2] == .bitOr(.identifier("O_RDWR"), .identifier("O_NONBLOCK")))
    #expect(calls[4].result == .integer(-1))
    #expect(calls[4].errno == "EINPROGRESS")
    #expect(calls[4].errnoText == "Operation now in progress")
    #expect(calls[6].arguments[1] == .structure([
        StructField(name: "sa_family", value: .identifier("AF_INET")),
        StructField(name: "sin_port", value: .call("htons", [.integer(8080)])),
        StructField(name: "sin_addr", value: .call("inet_addr", [.string("192.0.2.1")])),
    ]))
    #expect(calls[7].arguments[2] == .integer(16))
    #expect(calls[7].errno == "EAGAIN" && calls[7].errnoText == nil)
}

@Test func blockingCallsCarryTheirEndTime() throws {
    let script = try parse("0.1...0.3 accept(3, ..., ...) = 4\n+0...+0.2 read(4, ..., 10) = 10\n")
    #expect(script.events[0].time == .at(TimePoint(microseconds: 100_000, relative: false)))
    #expect(script.events[0].blockingEnd == TimePoint(microseconds: 300_000, relative: false))
    #expect(script.events[1].blockingEnd == TimePoint(microseconds: 200_000, relative: true))
}

@Test func shellLinesAndCodeBlocksAreRecognisedAsUnsupported() throws {
    let script = try parse("`sysctl -q net.ipv4.tcp_timestamps=0`\n0 close(3) = 0\n+0 %{ assert tcpi_rto == 1000000 }%\n")
    #expect(script.events.count == 3)
    #expect(script.events[0].body == .shell("sysctl -q net.ipv4.tcp_timestamps=0"))
    #expect(script.events[0].time == nil)
    #expect(script.events[2].body == .code(" assert tcpi_rto == 1000000 "))
    #expect(script.events.map(\.isUnsupported) == [true, false, true])
}

@Test func ifdefKeepsLinesOnlyWhenTheNameIsDefined() throws {
    let text = """
        #ifdef LINUX
        0 close(3) = 0
        #else
        0 close(4) = 0
        #endif
        #ifndef LINUX
        +0 close(5) = 0
        #endif
        +0 close(6) = 0
        """
    let plain = try parse(text).events.compactMap(syscall).map { $0.arguments[0] }
    #expect(plain == [.integer(4), .integer(5), .integer(6)])
    let linux = try parse(text, defines: ["LINUX"])
    #expect(linux.events.compactMap(syscall).map { $0.arguments[0] } == [.integer(3), .integer(6)])
    #expect(linux.events.last?.location == SourceLocation(line: 9, column: 1))
}

@Test func commentsAndPersonalityHeader() throws {
    let script = try parse("// RFC 9293 §3.5\n// personality: linux-6\n/* block\n comment */ 0 close(3) = 0 // trailing\n")
    #expect(script.personality == "linux-6")
    #expect(script.events.count == 1)
    #expect(script.events[0].location == SourceLocation(line: 4, column: 13))
}

@Test func aQuotedOptionValueIsTheStringInside() throws {
    let script = try parse("--remote_ip=\"192.0.2.2\"\n--local_ip=\"\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n")
    #expect(script.option("remote_ip") == "192.0.2.2")
    // A lone quote is no quoted string.
    #expect(script.option("local_ip") == "\"")
}

@Test func anOutboundTSValOfEllipsisMatchesAnyValueAndNamesNone() throws {
    let outcome = try ScriptRunner.run(text: """
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val ... ecr 0>
        +.1  < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 7 ecr 0>
        +0   > . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 7>
        """, file: "t.pkt")
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
    let inbound = try ScriptRunner.run(text: """
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   bind(3, ..., ...) = 0
        +0   listen(3, 1) = 0
        +0   < S 0:0(0) win 65535 <TS val ... ecr 0>
        """, file: "t.pkt")
    #expect(inbound.failure?.description.contains("an inbound packet cannot have TS val ...") == true,
        "\(inbound.failure?.description ?? "")")
}
