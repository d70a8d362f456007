import PacketDrill
import Testing

/// What a FreeBSD socket reports before and after connecting: keep-alive defaults (`TCPTV_KEEPCNT` 8) and
/// `tcpi_options` for an ECN-negotiated connection.
private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

@Test func freeBSDKeepsEightKeepaliveProbesAndItsSysctlChangesNewSockets() throws {
    let outcome = try run("""
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [8], [4]) = 0
        +0   getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [7200], [4]) = 0
        +0   `sysctl -w net.inet.tcp.keepcnt=3`
        +0   `sysctl -w net.inet.tcp.keepintvl=20000`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
        +0   getsockopt(4, IPPROTO_TCP, TCP_KEEPCNT, [3], [4]) = 0
        +0   getsockopt(4, IPPROTO_TCP, TCP_KEEPINTVL, [20], [4]) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test(arguments: [("1", "(TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE | TCPI_OPT_ECN)"), ("0", "7")])
func tcpiOptionsNamesTheNegotiatedOptions(ecnEnable: String, expected: String) throws {
    let ask = ecnEnable == "1"
    let outcome = try run("""
        // personality: freebsd
        0    `sysctl -w net.inet.tcp.ecn.enable=\(ecnEnable)`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > \(ask ? "SEW" : "S") 0:0(0) <...>
        +.1  < \(ask ? "SE." : "S.") 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 100>
        +0   > . 1:1(0) ack 1 <...>
        +0   %{ assert tcpi_options == \(expected) }%
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aParenthesisedGroupOfOtherNamesCannotBeChecked() throws {
    let outcome = try run("""
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > S 0:0(0) <...>
        +.1  < S. 0:0(0) ack 1 win 65535 <mss 1460>
        +0   > . 1:1(0) ack 1 <...>
        +0   %{ assert tcpi_options == (TCPI_OPT_TOE | 1) }%
        """)
    #expect(outcome.failure?.description.contains("cannot be checked") == true, "\(outcome.failure?.description ?? "")")
}
