import PacketDrill
import Testing

/// ECN in scripts: `net.ipv4.tcp_ecn` reaches the engine, the runner writes an inbound packet's `[ce]` into the IP
/// header and checks an outbound packet's `[ect0]` against it (packetdrill's ECN notes).
private func run(_ text: String) throws -> ScriptOutcome { try ScriptRunner.run(text: text, file: "t.pkt") }

private func passiveECN(data note: String) -> String {
    """
    // personality: linux-6
    0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0  bind(3, ..., ...) = 0
    +0  listen(3, 1) = 0
    +0  < SEW 0:0(0) win 65535 <mss 1000>
    +0  > [noecn] SE. 0:0(0) ack 1 <mss 1460>
    +.1 < . 1:1(0) ack 1 win 65535
    +0  accept(3, ..., ...) = 4
    +0  write(4, ..., 100) = 100
    +0  > [\(note)] P. 1:101(100) ack 1
    +0  < [ce] P. 1:11(10) ack 101 win 65535
    +0  > E. 101:101(0) ack 11
    +0  < W. 11:21(10) ack 101 win 65535
    +0  > . 101:101(0) ack 21
    """
}

@Test func linuxAcceptsAnECNSetupSYNMarksDataECT0AndEchoesCE() throws {
    let outcome = try run(passiveECN(data: "ect0"))
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func anOutboundECNNoteThatDiffersFailsTheScript() throws {
    let outcome = try run(passiveECN(data: "ect1"))
    #expect(outcome.failure?.description.contains("IP ECN field") == true, "\(outcome.failure?.description ?? "")")
}

@Test func tcpEcnZeroAnswersAnECNSetupSYNWithoutECE() throws {
    let outcome = try run("""
        // personality: linux-6
        `sysctl -q net.ipv4.tcp_ecn=0`
        0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0  bind(3, ..., ...) = 0
        +0  listen(3, 1) = 0
        +0  < SEW 0:0(0) win 65535 <mss 1000>
        +0  > S. 0:0(0) ack 1 <mss 1460>
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

/// A server that agreed ECN loses its first segment; SACKs start fast recovery and the cwnd reduction is told
/// by CWR (FreeBSD cc_cong_signal CC_NDUPACK; Linux tcp_init_cwnd_reduction).
private func lossRecoveryWithECN(personality: String, retransmission: String, nextData: String) -> String {
    """
    // personality: \(personality)
    0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0   bind(3, ..., ...) = 0
    +0   listen(3, 1) = 0
    +0   < SEW 0:0(0) win 65535 <mss 1000,sackOK,eol,eol>
    +0   > SE. 0:0(0) ack 1 <...>
    +0   < . 1:1(0) ack 1 win 65535
    +0   accept(3, ..., ...) = 4
    +0   write(4, ..., 4000) = 4000
    +0   > [ect0] . 1:1001(1000) ack 1
    +0   > [ect0] . 1001:2001(1000) ack 1
    +0   > [ect0] . 2001:3001(1000) ack 1
    +0   > [ect0] P. 3001:4001(1000) ack 1
    +.01 < . 1:1(0) ack 1 win 65535 <sack 1001:2001,nop,nop>
    +0   < . 1:1(0) ack 1 win 65535 <sack 1001:3001,nop,nop>
    +0   < . 1:1(0) ack 1 win 65535 <sack 1001:4001,nop,nop>
    +0   > [noecn] \(retransmission) 1:1001(1000) ack 1
    +.01 < . 1:1(0) ack 4001 win 65535
    +0   write(4, ..., 1000) = 1000
    +0   > [ect0] \(nextData) 4001:5001(1000) ack 1
    """
}

@Test func freeBSDSendsTheCWRForALossReductionOnTheRetransmission() throws {
    let outcome = try run(lossRecoveryWithECN(personality: "freebsd", retransmission: "W.", nextData: "P."))
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

