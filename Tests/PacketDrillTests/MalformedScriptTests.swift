import PacketDrill
import TCPStack
import Testing

/// Each malformed script gives exactly one line naming file:line:column, never a crash.
private func parseError(_ text: String) -> String? {
    do {
        _ = try ScriptParser.parse(text, file: "bad.pkt")
        return nil
    } catch {
        return error.description
    }
}

@Test(arguments: [
    ("0 < S 0:0(0) win 65536\n", "bad.pkt:1:18: error: window 65536 is larger than 65535"),
    ("0 < S 0:10(5)\n", "bad.pkt:1:12: error: payload length 5 does not match 0:10"),
    ("0 < Q 0:0(0)\n", "bad.pkt:1:5: error: unknown TCP flag 'Q' in 'Q' (expected S F R P . E W U)"),
    ("0 < S 0:0(0) <mss 1460,bogus 3>\n", "bad.pkt:1:24: error: unsupported TCP option 'bogus' (expected mss, wscale, sackOK, sack, TS, FO, nop, eol)"),
    ("0 < S 0:0(0) <mss 1460\n+0 close(3) = 0\n", "bad.pkt:2:1: error: expected ',' or '>' in the options opened at 1:14, found '+'"),
    ("0 select(3) = 0\n", "bad.pkt:1:3: error: unsupported syscall 'select'"),
    ("0 close(3 = 0\n", "bad.pkt:1:11: error: expected ')' to close the arguments of close, found '='"),
    ("0 close(3) = -1 ENOENT (No such file\n", "bad.pkt:1:24: error: errno explanation is not closed by ')' on its line"),
    ("0 close(3)\n", "bad.pkt:2:1: error: expected '=' before the return value of close, found end of file"),
    ("close(3) = 0\n", "bad.pkt:1:1: error: expected a time, a shell command or a code block to start an event, found 'close'"),
    ("0.1234567 close(3) = 0\n", "bad.pkt:1:1: error: time '0.1234567' is out of range or has more than 6 decimals"),
    ("0.3~0.1 close(3) = 0\n", "bad.pkt:1:5: error: time range ends before it starts"),
    ("0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0\n", "bad.pkt:1:3: error: unsupported socket option in setsockopt (supported: IPV6_TCLASS, IPV6_UNICAST_HOPS, IP_BIND_ADDRESS_NO_PORT, IP_FREEBIND, IP_LOCAL_PORT_RANGE, IP_TOS, IP_TTL, SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_RCVBUF, SO_REUSEADDR, SO_SNDBUF, SO_TIMESTAMPING, SO_ZEROCOPY, TCP_CONGESTION, TCP_CORK, TCP_FASTOPEN_CONNECT, TCP_INQ, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINIT, TCP_KEEPINTVL, TCP_MAXSEG, TCP_NODELAY, TCP_NOOPT, TCP_NOTSENT_LOWAT, TCP_USER_TIMEOUT)"),
    ("0 `echo\n", "bad.pkt:1:3: error: shell command is not closed by `"),
    ("0 %{ x = 1\n", "bad.pkt:1:3: error: code block is not closed by }%"),
    ("/* open\n0 close(3) = 0\n", "bad.pkt:1:1: error: comment is not closed by */"),
    ("#ifdef A\n0 close(3) = 0\n", "bad.pkt:1:1: error: #ifdef is not closed by #endif"),
    ("  #endif\n", "bad.pkt:1:3: error: #endif without #ifdef"),
    ("0 close(3) = 0\n--mss=1000\n", "bad.pkt:2:1: error: option lines must come before the first event"),
    ("0 < S 0:0(0) $\n", "bad.pkt:1:14: error: unexpected character '$'"),
    ("0 fcntl(3, F_GETFL) = 2 (flags O_RDWR\n", "bad.pkt:1:25: error: note is not closed by ')' on its line"),
    ("0 < S. 0:0(0) ack 1 ack 2\n", "bad.pkt:1:21: error: 'ack' given twice"),
    ("0 < udp (1024)\n", "bad.pkt:1:5: error: udp packets are not supported (TCP only)"),
    ("0 < [1:1(0)] S 0:0(0)\n", "bad.pkt:1:14: error: a quoted [a:b(n)] belongs before 'icmp'"),
    ("0 < S 0:0(0) win 100 / udp(1 > 2)\n", "bad.pkt:1:22: error: encapsulation '/ ...' after a packet is not supported"),
    ("0 < S 4294967296:0(0)\n", "bad.pkt:1:7: error: sequence start 4294967296 is larger than 4294967295"),
    ("0 < S 0:0(0) <TS val 1>\n", "bad.pkt:1:23: error: expected 'ecr' after the TS val"),
    ("0 < S 0:0(0) <sack>\n", "bad.pkt:1:19: error: 'sack' needs at least one block a:b"),
    ("0 < S 0:0(0) <mss 1,mss 1,mss 1,mss 1,mss 1,mss 1,mss 1,mss 1,mss 1,mss 1,mss 1>\n", "bad.pkt:1:75: error: options take 44 bytes, more than the 40 a TCP header holds"),
    ("0...0.1 < S 0:0(0)\n", "bad.pkt:1:9: error: only a syscall can block ('...' end time)"),
    ("0 < S 0:0(0) win 1x\n", "bad.pkt:1:18: error: bad number '1x'"),
    ("0 close(\"abc) = 0\n", "bad.pkt:1:9: error: string is not closed on its line"),
    ("0 < S 0:0(0) flag 3\n", "bad.pkt:1:14: error: unknown packet field 'flag' (expected ack, win, urg or <options>)"),
])
func malformedScriptGivesOneLineWithFileLineColumn(text: String, expected: String) {
    let message = parseError(text)
    #expect(message == expected)
    #expect(message.map { !$0.contains("\n") } == true)
}

@Test func truncatedPrefixesOfAValidScriptNeverCrash() {
    let valid = """
        --tolerance_usecs=4000
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
        +0 bind(3, ..., ...) = 0
        +0 listen(3, 1) = 0
        +0 < S 0:0(0) win 32792 <mss 1000,sackOK,TS val 1 ecr 0,nop,wscale 7>
        +0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 1,nop,wscale 7>
        +.1 < . 1:1(0) ack 1 win 257 <nop,nop,TS val 2 ecr 100>
        +0 accept(3, ..., ...) = 4
        +0...0.3 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)
        0.1~0.2 > F. 1:1(0) ack 1
        """
    var errors = 0
    var parsed = 0
    let chars = Array(valid)
    for cut in 0...chars.count {
        do {
            _ = try ScriptParser.parse(String(chars[0..<cut]), file: "cut.pkt")
            parsed += 1
        } catch {
            errors += 1
            #expect(error.description.hasPrefix("cut.pkt:"))
            #expect(!error.description.contains("\n"))
        }
    }
    #expect(parsed + errors == chars.count + 1)
    #expect(parsed >= 10)  // every cut at a line end is a valid script
    #expect(errors > 100)
}

@Test func seededMutationsOfTheCorpusNeverCrashTheParserOrTheRunner() throws {
    // Replace, insert or delete characters in corpus scripts; every result parses or fails with one located line,
    // and every script that parses runs to a verdict.
    var random = SeededRandom(seed: 9)
    let alphabet = Array("0123456789 .:+-*~<>()[]{},=SFRP.ackwinurgmss`%#\n\"ExyzTSvalecr")
    let corpus = try CorpusFiles.all()
    var parsed = 0, rejected = 0
    for round in 0..<2000 {
        var chars = Array(corpus[round % corpus.count].text)
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let at = Int(random.next() % UInt64(chars.count))
            switch random.next() % 3 {
            case 0: chars[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            case 1: chars.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
            default: chars.remove(at: at)
            }
        }
        do {
            let script = try ScriptParser.parse(String(chars), file: "m.pkt")
            parsed += 1
            _ = ScriptRunner.run(script)
        } catch {
            rejected += 1
            #expect(error.description.hasPrefix("m.pkt:"))
            #expect(!error.description.contains("\n"))
        }
    }
    #expect(parsed + rejected == 2000)
    #expect(parsed > 100 && rejected > 100)
}
