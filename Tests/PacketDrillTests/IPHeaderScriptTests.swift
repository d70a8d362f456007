import PacketDrill
import Testing

/// IP_TTL / IP_TOS / IPV6_UNICAST_HOPS / IPV6_TCLASS reach every segment a socket sends, a listener's reach its
/// connections' SYN-ACKs, and scripts write and check `(ttl N)`, `(tos 0xNN)`, `(hlim N)`, `(class 0xNN)`.
private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

@Test(arguments: [
    ("ipv4", "IPPROTO_IP, IP_TTL, [4]", "IPPROTO_IP, IP_TTL, [9]", "(ttl 4)", "(ttl 9)"),
    ("ipv4", "IPPROTO_IP, IP_TOS, [IPTOS_DSCP_CS1]", "IPPROTO_IP, IP_TOS, [IPTOS_DSCP_CS7]", "(tos 0x20)", "(tos 0xe0)"),
    ("ipv6", "IPPROTO_IPV6, IPV6_UNICAST_HOPS, [4]", "IPPROTO_IPV6, IPV6_UNICAST_HOPS, [9]", "(hlim 4)", "(hlim 9)"),
    ("ipv6", "IPPROTO_IPV6, IPV6_TCLASS, [0x48]", "IPPROTO_IPV6, IPV6_TCLASS, [IPTOS_DSCP_AF11]", "(class 0x48)", "(class 0x28)"),
])
func anActiveSocketsSegmentsCarryItsIPHeaderOptionsFromTheSynOn(
    version: String, first: String, second: String, before: String, after: String
) throws {
    let outcome = try run("""
        // personality: freebsd
        --ip_version=\(version)
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   setsockopt(3, \(first), 4) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > \(before) S 0:0(0) <...>
        +.1  < (ttl 3) S. 0:0(0) ack 1 win 32767 <mss 1000>
        +0   > \(before) . 1:1(0) ack 1 win 65535
        +0   setsockopt(3, \(second), 4) = 0
        +0   send(3, ..., 100, 0) = 100
        +0   > \(after) P. 1:101(100) ack 1 win 65535
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aListenersTOSIsItsConnectionsFromTheSynAck() throws {
    let outcome = try run("""
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   setsockopt(3, IPPROTO_IP, IP_TOS, [IPTOS_DSCP_CS1], 4) = 0
        +0   bind(3, ..., ...) = 0
        +0   listen(3, 1) = 0
        +0   < (tos 0x28) S 0:0(0) win 32767 <mss 1000>
        +0   > (tos 0x20) S. 0:0(0) ack 1 <...>
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func theDefaultTTLIs64AndADifferentOneFailsTheLine() throws {
    let outcome = try run("""
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   getsockopt(3, IPPROTO_IP, IP_TTL, [64], [4]) = 0
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > (ttl 63) S 0:0(0) <...>
        """)
    #expect(outcome.failure?.description.contains("IP TTL/hop limit 64, expected 63") == true,
        "\(outcome.failure?.description ?? "")")
}

@Test func theTOSLeavesTheECNFieldToTCP() throws {
    // RFC 3168 §6.1.1: with ECN agreed, data is ECT(0); the DSCP bits from IP_TOS stay beside it.
    let outcome = try run("""
        // personality: freebsd
        0    `sysctl -w net.inet.tcp.ecn.enable=1`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   setsockopt(3, IPPROTO_IP, IP_TOS, [0x23], 4) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > (tos 0x20) SEW 0:0(0) <...>
        +.1  < SE. 0:0(0) ack 1 win 32767 <mss 1000>
        +0   > (tos 0x20) . 1:1(0) ack 1 win 65535
        +0   send(3, ..., 100, 0) = 100
        +0   > (tos 0x22) P. 1:101(100) ack 1 win 65535
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func ipHeaderOptionsOutsideTheirRangeAreEINVAL() throws {
    let outcome = try run("""
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   setsockopt(3, IPPROTO_IP, IP_TTL, [256], 4) = -1 EINVAL (Invalid argument)
        +0   setsockopt(3, IPPROTO_IP, IP_TOS, [-2], 4) = -1 EINVAL (Invalid argument)
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}
