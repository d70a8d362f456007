@testable import PacketDrill
import TCPStack
import Testing

/// Inbound ICMP errors (packetdrill's `icmp TYPE CODE [mtu N]` with the quoted segment `[a:b(n)]` before or
/// after): the FreeBSD personality ends a SYN-SENT open on a hard error that quotes SND.UNA..SND.MAX
/// (`tcp_ctlinput`, `icmp_may_rst`), and ignores soft errors.
private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

private func synSentThen(_ lines: String, version: String = "ipv4") -> String {
    """
    // personality: freebsd
    --ip_version=\(version)
    0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
    +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
    +0   > S 0:0(0) <...>
    \(lines)
    """
}

@Test(arguments: [
    ("unreachable port_unreachable", "ipv4", "ECONNREFUSED"),
    ("unreachable protocol_unreachable", "ipv4", "ECONNREFUSED"),
    ("unreachable host_prohibited", "ipv4", "ECONNREFUSED"),
    ("time_exceeded ttl_exceeded_in_transit", "ipv4", "EHOSTUNREACH"),
    ("unreachable admin_prohibited", "ipv6", "ECONNREFUSED"),
    ("parameter_problem unknown_next_header", "ipv6", "ECONNREFUSED"),
    ("time_exceeded exceeded_hop_limit", "ipv6", "EHOSTUNREACH"),
])
func aHardErrorQuotingTheSynEndsTheOpen(icmp: String, version: String, errno: String) throws {
    let outcome = try run(synSentThen("""
        +.1  < [0:0(0)] icmp \(icmp)
        +0   getsockopt(3, SOL_SOCKET, SO_ERROR, [\(errno)], [4]) = 0
        +0   close(3) = 0
        """, version: version))
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aQuotedSequenceOutsideSndUnaToSndMaxIsIgnored() throws {
    // RFC 5927 §4.1: ISS - 1 and ISS + 1 (SND.MAX) are outside [SND.UNA, SND.MAX); the SYN is resent at 1 s.
    let outcome = try run(synSentThen("""
        +.1  < [4294967295:4294967295(0)] icmp unreachable port_unreachable
        +0   < icmp unreachable port_unreachable [1:1(0)]
        +0   getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
        1    > S 0:0(0) <...>
        """))
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func softErrorsAndHardOnesWithoutIcmpMayRstLeaveTheOpenRunning() throws {
    let outcome = try run(synSentThen("""
        +0   `sysctl -w net.inet.tcp.icmp_may_rst=0`
        +.1  <icmp unreachable port_unreachable [0:0(0)]
        +0   < [0:0(0)]icmp unreachable host_unreachable
        +0   < icmp source_quench
        +0   < icmp unreachable frag_needed mtu 1234
        +0   getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
        1    > S 0:0(0) <...>
        """))
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aPersonalityWithoutAnICMPModelFailsTheLine() throws {
    let outcome = try run("""
        // personality: linux-6
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   < icmp unreachable port_unreachable
        """)
    #expect(outcome.failure?.description.contains("ICMP errors are not modelled for personality linux-6") == true,
        "\(outcome.failure?.description ?? "")")
}

@Test func theParserReadsTheQuotedSegmentOnEitherSideAndTheMTU() throws {
    let script = try ScriptParser.parse("""
        0 < [5:5(0)] icmp unreachable port_unreachable
        0 < icmp unreachable frag_needed mtu 1234 [7:7(0)]
        0 < icmp redirect
        """, file: "t.pkt")
    let specs = script.events.compactMap { event -> PacketSpec? in
        if case .packet(let p) = event.body { return p }
        return nil
    }
    #expect(specs.map(\.icmp) == [
        ICMPSpec(type: "unreachable", code: "port_unreachable"),
        ICMPSpec(type: "unreachable", code: "frag_needed", mtu: 1234),
        ICMPSpec(type: "redirect"),
    ])
    #expect(specs.map(\.sequenceStart) == [5, 7, 0])
}

@Test func icmpNamesFoldIntoTheKindsTheEngineTakes() {
    #expect((try? ScriptRunner.icmpErrorKind(ICMPSpec(type: "unreachable", code: "packet_filtered"), ipv6: false).get())
        == .administrativelyProhibited)
    #expect((try? ScriptRunner.icmpErrorKind(ICMPSpec(type: "packet_too_big", mtu: 1300), ipv6: true).get())
        == .packetTooBig(mtu: 1300))
    #expect((try? ScriptRunner.icmpErrorKind(ICMPSpec(type: "echo_request"), ipv6: false).get()) == nil)
}
