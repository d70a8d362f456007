import PacketDrill
import Testing

/// socket(2)'s type and protocol arguments as scripts write them.
private func run(_ text: String) throws -> ScriptOutcome {
    try ScriptRunner.run(text: "// personality: linux-6\n" + text, file: "socket-type.pkt")
}

@Test func sockNonblockInTheTypeMakesConnectReturnInProgress() throws {
    let outcome = try run("""
        0 socket(..., SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) = 3
        +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0 > S 0:0(0) <...>
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aBlockingSocketsConnectDoesNotReturnInProgress() throws {
    let outcome = try run("""
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
        """)
    #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
}

@Test func aStreamSocketForUDPIsProtocolNotSupported() throws {
    let refused = try run("0 socket(..., SOCK_STREAM, IPPROTO_UDP) = -1 EPROTONOSUPPORT (Protocol not supported)\n")
    #expect(refused.failure == nil, "\(refused.failure?.description ?? "")")
    let failure = try #require(try run("0 socket(..., SOCK_STREAM, IPPROTO_UDP) = 3\n").failure)
    #expect(failure.message == "socket returned -1 EPROTONOSUPPORT")
    #expect(SocketCalls.streamSocketError(protocol: 17) == .EPROTONOSUPPORT)
    #expect(SocketCalls.streamSocketError(protocol: 6) == nil)
    #expect(SocketCalls.streamSocketError(protocol: 0) == nil)
}
