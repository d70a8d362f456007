import PacketDrill
import Testing

/// The FreeBSD personality's active open as scripts see it: the SYN's MSS follows packetdrill's `--mtu`, resent
/// SYNs back off with `tcp_rexmit_slop` added (`TCPT_RANGESET`), and `net.inet.tcp.ecn.maxretries` resent SYNs
/// still ask for ECN.
private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

@Test(arguments: [("ipv4", 9000, 8960), ("ipv6", 9000, 8940), ("ipv4", 72, 32), ("ipv6", 65535, 65475)])
func theSynMSSIsTheMTUOfTheTunDeviceLessHeaders(version: String, mtu: Int, mss: Int) throws {
    let outcome = try run("""
        // personality: freebsd
        --ip_version=\(version)
        --mtu=\(mtu)
        0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0  fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0  connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0  > S 0:0(0) <mss \(mss),nop,wscale 6,sackOK,TS val 100 ecr 0>
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func anMTUOutsideIPv4sRangeIsRefused() throws {
    let outcome = try run("--mtu=40\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n")
    #expect(outcome.failure?.description.contains("--mtu=40 is not 68 to 65535") == true,
        "\(outcome.failure?.description ?? "")")
}

@Test func freeBSDResendsTheSynAfterOneSecondThenAddsTheSlopToEachBackoff() throws {
    // t_rxtcur starts at tcp_rexmit_initial (1 s); tcp_timer_rexmt then sets 2 s + 200 ms, 4 s + 200 ms.
    let timely = try run("""
        // personality: freebsd
        --tolerance_usecs=10000
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > S 0:0(0) <...>
        +1   > S 0:0(0) <...>
        +2.2 > S 0:0(0) <...>
        +4.2 > S 0:0(0) <...>
        """)
    #expect(timely.failure == nil, "\(timely.failure?.description ?? "")")
    let withoutSlop = try run("""
        // personality: freebsd
        --tolerance_usecs=10000
        0    `sysctl -w net.inet.tcp.rexmit_slop=0`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > S 0:0(0) <...>
        +1   > S 0:0(0) <...>
        +2   > S 0:0(0) <...>
        """)
    #expect(withoutSlop.failure == nil, "\(withoutSlop.failure?.description ?? "")")
}

@Test(arguments: [(1, "SEW"), (0, "S")])
func resentSynsAskForECNWhileTheShiftIsWithinEcnMaxretries(maxretries: Int, firstResend: String) throws {
    let outcome = try run("""
        // personality: freebsd
        --tolerance_usecs=10000
        0    `sysctl -w net.inet.tcp.ecn.enable=1`
        +0   `sysctl -w net.inet.tcp.ecn.maxretries=\(maxretries)`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > SEW 0:0(0) <...>
        +1   > \(firstResend) 0:0(0) <...>
        +2.2 > S 0:0(0) <...>
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func tcpNoOptSendsASynWithoutOptionsAndNegotiatesNone() throws {
    let outcome = try run("""
        // personality: freebsd
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   setsockopt(3, IPPROTO_TCP, TCP_NOOPT, [1], 4) = 0
        +0   getsockopt(3, IPPROTO_TCP, TCP_NOOPT, [1], [4]) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0   > S 0:0(0) win 65535
        +.1  < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 1 ecr 0>
        +0   > . 1:1(0) ack 1 win 65535
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func linuxHasNoTcpNoOpt() throws {
    let outcome = try run("""
        // personality: linux-6
        0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   setsockopt(3, IPPROTO_TCP, TCP_NOOPT, [1], 4) = -1 ENOPROTOOPT (Protocol not available)
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func rexmitDropOptionsLeavesOnlyTheMSSFromTheThirdResentSynAndNegotiatesNothingElse() throws {
    let outcome = try run("""
        // personality: freebsd
        --tolerance_usecs=10000
        0    `sysctl -w net.inet.tcp.rexmit_drop_options=1`
        +0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0   fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        0    > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
        1    > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 1100 ecr 0>
        3.2  > S 0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 3300 ecr 0>
        7.4  > S 0:0(0) win 65535 <mss 1460>
        +.1  < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 1 ecr 0>
        +0   > . 1:1(0) ack 1 win 65535
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}
