@testable import PacketDrill
import Testing

/// The files a script writes with `dd` and removes with `rm`, kept in memory for its `open` and `sendfile`.
@Test func ddFromDevZeroWritesAFileAndRmRemovesIt() {
    let shell = ShellInterpreter(readFile: { _ in nil }, directory: ".")
    #expect(shell.effects(of: "/bin/rm -f /tmp/testfile\n/bin/dd bs=1 count=5 if=/dev/zero of=/tmp/testfile status=none") == [
        .removeFile(path: "/tmp/testfile"), .writeFile(path: "/tmp/testfile", bytes: [0, 0, 0, 0, 0]),
    ])
    // Any other input is a command we cannot model, named as such.
    #expect(shell.effects(of: "dd if=/dev/urandom of=/tmp/x count=1") == [.unsupported("dd if=/dev/urandom of=/tmp/x count=1")])
    #expect(shell.effects(of: "rm -rf /tmp/x") == [.unsupported("rm -rf /tmp/x")])
}

private let prologue = """
    `dd bs=100 count=3 if=/dev/zero of=/tmp/f status=none`
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
   +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>
   +0 < . 1:1(0) ack 1 win 514
   +0 accept(3, ..., ...) = 4
   +0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0

"""

@Test func sendfileSendsTheBytesTheScriptWroteFromTheOffsetOrThePosition() throws {
    let outcome = try ScriptRunner.run(text: prologue + """
       +0 open("/tmp/f", O_RDONLY) = 7
       +0 sendfile(4, 7, [250], 100) = 50
       +0 > P. 1:51(50) ack 1
       +0 sendfile(4, 7, NULL, 120) = 120
       +0 > P. 51:171(120) ack 1
       +0 sendfile(4, 7, NULL, 1000) = 180
       +0 > P. 171:351(180) ack 1
       +0 sendfile(4, 7, NULL, 1000) = 0
       +0 close(7) = 0
       +0 sendfile(4, 7, NULL, 1000) = -1 EBADF
    """, file: "t.pkt")
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}

@Test func openOfAFileTheScriptDidNotWriteFailsByName() throws {
    let outcome = try ScriptRunner.run(text: prologue + "+0 open(\"/etc/passwd\", O_RDONLY) = 7\n", file: "t.pkt")
    #expect(outcome.failure?.message.contains("only files the script's shell lines wrote") == true)
}

@Test func spliceMovesSocketBytesIntoAPipeAndOnToAnotherSocketStoppingAtTheUrgentByte() throws {
    let outcome = try ScriptRunner.run(text: prologue + """
       +0 pipe([5, 6]) = 0
       +0 < U. 1:11(10) ack 1 win 257 urg 5
       +0 > . 1:1(0) ack 11
       +0 splice(4, NULL, 6, NULL, 100, 0) = 4
       +0 splice(4, NULL, 6, NULL, 100, 0) = 0
       +0 recv(4, ..., 100, 0) = 5
       +0 splice(5, NULL, 4, NULL, 100, 0) = 4
       +0 > P. 1:5(4) ack 11
       +0 splice(4, 5, 6, NULL, 100, 0) = -1 ESPIPE
    """, file: "t.pkt")
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}
