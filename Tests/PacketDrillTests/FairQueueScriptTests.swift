import PacketDrill
import Testing

/// packetdrill's outbound matching of TSO packets and the `fq` queue on its tun device, on scripts: a passive
/// open whose handshake takes 100 ms (pacing rate 292 KB/s: GSO packets of two MSS, `tcp_tso_autosize`).
private let opening = """
    --tolerance_usecs=1000
    // personality: linux-6
    0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0    setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
    +0    bind(3, ..., ...) = 0
    +0    listen(3, 1) = 0
    +.1   < S 0:0(0) win 32792 <mss 1460,sackOK,nop,nop,nop,wscale 7>
    +0    > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 10>
    +.1   < . 1:1(0) ack 1 win 500
    +0    accept(3, ..., ...) = 4
    +0    setsockopt(4, SOL_SOCKET, SO_SNDBUF, [200000], 4) = 0

    """

private func run(_ text: String, strict: Bool = false) throws -> ScriptOutcome {
    try ScriptRunner.run(text: text, file: "fq.pkt", options: .init(allowUnsupported: true, strict: strict))
}

@Test func aLineExpectingOneLargePacketIsMetByTheTSOPacketsThatFollowBackToBack() throws {
    // do_outbound_script_packet without --strict_segments: five packets of 2920 bytes make the 14600 expected.
    let text = opening + """
        +0    write(4, ..., 14600) = 14600
        +0    > P. 1:14601(14600) ack 1
        """
    let outcome = try run(text)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
    let strict = try #require(try run(text, strict: true).failure)
    #expect(strict.message == "outbound packet differs: payload length 2920, expected 14600")
}

/// After the first 10 MSS, each 2920-byte packet moves the departure clock on by 2920 / 348224 B/s = 8.4 ms (cwnd
/// 12, SRTT 100.6 ms), less half of it as credit for the 95 ms the flow lay idle: the second packet after the ACK
/// leaves 4.2 ms after the first.
private let pacedAfterAck = """
    +0    write(4, ..., 40000) = 40000
    +0    > P. 1:2921(2920) ack 1
    +0    > P. 2921:5841(2920) ack 1
    +0    > P. 5841:8761(2920) ack 1
    +0    > P. 8761:11681(2920) ack 1
    +0    > P. 11681:14601(2920) ack 1
    +.105 < . 1:1(0) ack 2921 win 500
    +0    > P. 14601:17521(2920) ack 1
    +.004 > P. 17521:20441(2920) ack 1
    """

@Test func anFqQueueHoldsEachPacketUntilTheDepartureTimeTCPGaveIt() throws {
    let outcome = try run(opening.replacingOccurrences(of: "// personality: linux-6\n",
        with: "// personality: linux-6\n0 `tc qdisc replace dev tun0 root fq`\n") + pacedAfterAck)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func withoutFqThePacketsTheAckAllowsLeaveTogether() throws {
    let failure = try #require(try run(opening + pacedAfterAck).failure)
    #expect(failure.location.line == 20)
    #expect(failure.message.hasPrefix("outbound packet early: sent at 0.305000 s"))
}

@Test func theJoinedPacketHasTheLastPiecesFlags() throws {
    // A GSO packet of two MSS carries PSH (__tcp_transmit_skb), the single MSS after it under MSG_MORE does not:
    // packetdrill compares the pieces without PSH and shows the joined packet with the last one's flags.
    let outcome = try run(opening + """
        +0    send(4, ..., 4480, MSG_MORE) = 4480
        +0    > . 1:4381(4380) ack 1
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}
