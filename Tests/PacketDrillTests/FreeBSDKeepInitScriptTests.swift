import PacketDrill
import Testing

/// FreeBSD's connection-establishment timer: `tcp_connect` arms TT_KEEP for TP_KEEPINIT (TCP_KEEPINIT, else
/// `net.inet.tcp.keepinit`, 75 s) and `tcp_timer_keep` drops a connection still below ESTABLISHED with ETIMEDOUT.
private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

@Test func tcpKeepinitEndsABlockingConnectWithETIMEDOUTBetweenTwoSynResends() throws {
    let outcome = try run("""
        // personality: freebsd
        --tolerance_usecs=10000
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [4], 4) = 0
        0...4 connect(3, ..., ...) = -1 ETIMEDOUT (Operation timed out)
        0    > S 0:0(0) <...>
        1    > S 0:0(0) <...>
        3.2  > S 0:0(0) <...>
        +2   close(3) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func withoutTcpKeepinitTheSysctlsSeventyFiveSecondsEndTheOpenAfterSixResends() throws {
    let outcome = try run("""
        // personality: freebsd
        --tolerance_usecs=10000
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [75], [4]) = 0
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        0    > S 0:0(0) <...>
        1    > S 0:0(0) <...>
        3.2  > S 0:0(0) <...>
        7.4  > S 0:0(0) <...>
        15.6 > S 0:0(0) <...>
        31.8 > S 0:0(0) <...>
        64   > S 0:0(0) <...>
        74.9 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
        75.1 getsockopt(3, SOL_SOCKET, SO_ERROR, [ETIMEDOUT], [4]) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func theKeepinitSysctlIsInMillisecondsAndTheOptionReadsSeconds() throws {
    let outcome = try run("""
        // personality: freebsd
        0    `sysctl -w net.inet.tcp.keepinit=15000`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [15], [4]) = 0
        +0   setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [363], 4) = 0
        +0   getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [363], [4]) = 0
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func linuxHasNoTcpKeepinit() throws {
    let outcome = try run("""
        // personality: linux-6
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [5], 4) = -1 ENOPROTOOPT (Protocol not available)
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}
