import PacketDrill
import TCPWire
import Testing

/// TCP Fast Open in packetdrill's dialect (`FO`, `FO cookie`, TCP_FASTOPEN_CONNECT), and the peer's sequence
/// numbers counted from its SYN as packetdrill counts them.
@Test func fastOpenOptionsParseWithAndWithoutACookie() throws {
    let script = try ScriptParser.parse("0 < S 0:0(0) win 100 <mss 1460,FO 3021b9d889017eeb,nop,nop,FO,nop,nop>\n", file: "t.pkt")
    guard case .packet(let p) = script.events[0].body, case .list(let options) = p.options else {
        Issue.record("no option list"); return
    }
    #expect(options == [.maxSegmentSize(1460), .unknown(kind: 34, data: [0x30, 0x21, 0xb9, 0xd8, 0x89, 0x01, 0x7e, 0xeb]),
        .noOperation, .noOperation, .unknown(kind: 34, data: []), .noOperation, .noOperation])
    #expect(throws: ScriptParseError.self) { try ScriptParser.parse("0 < S 0:0(0) win 100 <FO abc>\n", file: "t.pkt") }
}

@Test func aFastOpenConnectAsksForACookieAndCountsThePeerFromItsSyn() throws {
    let outcome = try ScriptRunner.run(text: """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
       +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
       +0 setsockopt(3, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
       +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation is now in progress)
       +0 > S 0:0(0) <...>
       +0 < S. 123:123(0) ack 1 win 14600 <mss 1460,nop,nop,sackOK,nop,wscale 6,FO abcd1234,nop,nop>
       +0 > . 1:1(0) ack 1 <...>
       +0 < P. 1:11(10) ack 1 win 100
       +0 > . 1:1(0) ack 11 <...>
       +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
       +0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
       +0 setsockopt(4, SOL_TCP, TCP_FASTOPEN_CONNECT, [1], 4) = 0
       +0 connect(4, ..., ...) = 0
       +0 sendto(4, NULL, 1, 0, ..., ...) = -1 EINPROGRESS
       +0 > S 0:0(0) <...>
       +0 write(4, ..., 100) = -1 EAGAIN
    """, file: "t.pkt")
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}

@Test func aSynAndItsSynAckUseAbsoluteNumbersAndLaterSegmentsCountFromThePeersISN() throws {
    let outcome = try ScriptRunner.run(text: """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
       +0 bind(3, ..., ...) = 0
       +0 listen(3, 1) = 0
       +0 < S 100:100(0) win 32792 <mss 1000>
       +0 > S. 0:0(0) ack 101 <...>
       +0 < . 1:1(0) ack 1 win 514
       +0 accept(3, ..., ...) = 4
       +0 < P. 1:11(10) ack 1 win 514
       +0 > . 1:1(0) ack 11 <...>
       +0 read(4, ..., 100) = 10
    """, file: "t.pkt")
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}
