import Foundation
import Testing

/// `selfconnect simulate` end to end: the story, the traces against the article and the 6.18 captures,
/// determinism, the pcap read back by tcpdump, and bad input.
@Suite struct SimulateCommandTests {
    static let referenceDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/linux-6.18-loopback-captures")

    /// Lines of a reference capture; a missing fixture throws.
    static func reference(_ name: String) throws -> [String] {
        let url = referenceDirectory.appendingPathComponent(name)
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Hides what differs from run to run: the time of day, absolute sequence numbers and timestamp values.
    /// Relative numbers (`ack 1`, `seq 1:8`), `ecr 0` and every other field stay.
    static func masked(_ line: String) -> String {
        var s = line
        s = s.replacingOccurrences(of: #"^\d\d:\d\d:\d\d\.\d{6} "#, with: "T ", options: .regularExpression)
        s = s.replacingOccurrences(of: #"(seq|ack) \d{5,}"#, with: "$1 N", options: .regularExpression)
        s = s.replacingOccurrences(of: #"TS val \d+"#, with: "TS val V", options: .regularExpression)
        s = s.replacingOccurrences(of: #"ecr [1-9]\d*"#, with: "ecr E", options: .regularExpression)
        return s
    }

    static func simulate(_ args: [String]) throws -> CLIResult { try CLIRunner.run(["simulate"] + args) }

    // MARK: the story

    @Test func defaultRunTellsTheArticlesStory() throws {
        let r = try Self.simulate([])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast()
        let refused = "telnet: connect to address 127.0.0.1: Connection refused"
        let n = lines.filter { $0 == refused }.count
        #expect(n > 0)
        let expected = Array(repeating: ["Trying 127.0.0.1...", refused], count: n).flatMap { $0 } + [
            "Trying 127.0.0.1...", "Connected to 127.0.0.1.", "Escape character is '^]'.",
            "test1", "test1", "test2", "test2",
        ]
        #expect(Array(lines.dropLast()) == expected)
        let summary = lines.last ?? ""
        #expect(summary.hasPrefix("summary: self-connected after \(n + 1) attempts (\(n) refused); source ports tried: "))
        #expect(summary.contains(" .. 50000 (last); simulated time "))
        #expect(summary.contains("why port 50000 was reachable: 50000 lies in ip_local_port_range 32768-61000"))
    }

    @Test func listShowsEveryScenarioOnOneLine() throws {
        let r = try Self.simulate(["--list"])
        #expect(r.status == 0)
        let names = r.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(names == ["seed", "seed-v6", "bound-self-connect", "bound-self-connect-v6", "simultaneous-open",
                          "refused", "self-connect-close", "listener-blocked", "echo-client-close",
                          "echo-server-close", "echo-reset", "half-close", "bulk-1mb"])
    }

    /// The flags of each `--trace` line, with the direction: `c` client to server, `s` server to client.
    static func flagLadder(_ stdout: String, serverPort: UInt16) -> [String] {
        stdout.split(separator: "\n").compactMap { line -> String? in
            guard let flags = line.firstMatch(of: /Flags \[([^\]]*)\]/)?.1 else { return nil }
            return (line.contains(".\(serverPort) > ") ? "s " : "c ") + flags
        }
    }

    @Test func echoServerCloseClosesFromTheServerFirstAfterTheEchoIsAcked() throws {
        let r = try Self.simulate(["--scenario", "echo-server-close", "--personality", "linux-6", "--trace"])
        #expect(r.status == 0)
        // The client's ACK of the server's FIN is delayed (Linux tcp_fin enters pingpong mode) and rides on its FIN.
        #expect(Self.flagLadder(r.stdout, serverPort: 5001) == [
            "c S", "s S.", "c .", "c P.", "s .", "s P.", "c .", "s F.", "c F.", "s .",
        ])
    }

    @Test func echoResetEndsWithTheClientsRstAndNothingAfter() throws {
        let r = try Self.simulate(["--scenario", "echo-reset", "--personality", "linux-6", "--trace"])
        #expect(r.status == 0)
        #expect(Self.flagLadder(r.stdout, serverPort: 5001) == ["c S", "s S.", "c .", "c P.", "s .", "s P.", "c .", "c R."])
    }

    @Test func halfCloseLetsTheServerSendAfterTheClientsFin() throws {
        let r = try Self.simulate(["--scenario", "half-close", "--personality", "linux-6", "--trace"])
        #expect(r.status == 0)
        #expect(Self.flagLadder(r.stdout, serverPort: 5001) == [
            // The server's ACK of the client's FIN is delayed (Linux tcp_fin pingpong mode) and rides on its data.
            "c S", "s S.", "c .", "c P.", "s .", "s P.", "c .", "c F.", "s P.", "c .", "s F.", "c .",
        ])
        #expect(r.stdout.contains("5001 > 127.0.0.1.56624: Flags [P.], seq 8:13, ack 9"))
        let story = try Self.simulate(["--scenario", "half-close", "--personality", "linux-6"])
        #expect(story.stdout.contains("test1\ntest1\nbye\nConnection closed by foreign host.\n"))
    }

    @Test func bulkMovesOneMebibyteAndBothSidesClose() throws {
        let r = try Self.simulate(["--scenario", "bulk-1mb", "--personality", "linux-6"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("bulk sender: sent 1048576 bytes\nsink server: received 1048576 bytes\n"))
        let trace = try Self.simulate(["--scenario", "bulk-1mb", "--personality", "linux-6", "--trace"])
        let ladder = Self.flagLadder(trace.stdout, serverPort: 5002)
        #expect(Array(ladder.prefix(3)) == ["c S", "s S.", "c ."])
        #expect(ladder.filter { $0.hasSuffix("F.") } == ["c F.", "s F."])
        #expect(ladder.last == "c .")
        #expect(!ladder.contains { $0.contains("R") })
        #expect(trace.stdout.contains("Flags [F.], seq 1048577, ack 1,"))
    }

    @Test func echoClientCloseClosesFromTheClientFirst() throws {
        let r = try Self.simulate(["--scenario", "echo-client-close", "--personality", "linux-6", "--trace"])
        #expect(r.status == 0)
        // The server's ACK of the client's FIN is delayed (Linux tcp_fin pingpong mode) and rides on its FIN.
        #expect(Self.flagLadder(r.stdout, serverPort: 5001) == [
            "c S", "s S.", "c .", "c P.", "s .", "s P.", "c .", "c F.", "s F.", "c .",
        ])
        let story = try Self.simulate(["--scenario", "echo-client-close", "--personality", "linux-6"])
        #expect(story.stdout.hasPrefix("echo server: listening on 127.0.0.1:5001\nTrying 127.0.0.1...\n"
            + "Connected to 127.0.0.1.\nEscape character is '^]'.\ntest1\ntest1\nsummary: connected after 1 attempt"))
    }

    @Test func listenerBlockedServerGetsEADDRINUSE() throws {
        let r = try Self.simulate(["--scenario", "listener-blocked", "--personality", "linux-6"])
        #expect(r.stdout.contains("echo server: bind 127.0.0.1:50000: Address already in use (EADDRINUSE)\n"))
        #expect(r.stdout.contains("Connected to 127.0.0.1.\n"))
    }

    @Test func selfConnectCloseEndsInTimeWait() throws {
        let r = try Self.simulate(["--scenario", "self-connect-close", "--personality", "linux-6", "--netstat", "--explain"])
        #expect(r.stdout.contains("tcp        0      0 127.0.0.1:40000         127.0.0.1:40000         TIME_WAIT  \n"))
        #expect(r.stdout.contains("FIN_WAIT1 -> CLOSING"))
        #expect(r.stdout.contains("CLOSING -> TIME_WAIT"))
    }

    // MARK: traces against the article and the 6.18 captures

    @Test func linux310TraceIsTheArticlesHandshake() throws {
        let r = try Self.simulate(["--personality", "linux-3.10", "--trace"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count >= 5)
        // The last refused attempt came from 49999: the 3.10 allocator walks one destination's ports in order.
        #expect(lines[0].contains(" IP 127.0.0.1.49999 > 127.0.0.1.50000: Flags [S], "))
        #expect(lines[1].contains(" IP 127.0.0.1.50000 > 127.0.0.1.49999: Flags [R.], seq 0, ack "))
        // The article's three lines (21:31:02, Linux 3.10), field for field once the values are masked.
        let article = [
            "21:31:02.327307 IP 127.0.0.1.50000 > 127.0.0.1.50000: Flags [S], seq 2707282816, win 43690, options [mss 65495,sackOK,TS val 41197287 ecr 0,nop,wscale 7], length 0",
            "21:31:02.327318 IP 127.0.0.1.50000 > 127.0.0.1.50000: Flags [S.], seq 2707282816, ack 2707282817, win 43690, options [mss 65495,sackOK,TS val 41197287 ecr 41197287,nop,wscale 7], length 0",
            "21:31:02.327324 IP 127.0.0.1.50000 > 127.0.0.1.50000: Flags [.], ack 1, win 342, options [nop,nop,TS val 41197287 ecr 41197287], length 0",
        ]
        #expect(lines[2..<5].map(Self.masked) == article.map(Self.masked))
        // Same ISN in S and S., acked as ISN+1; the SYN-ACK echoes the SYN's timestamp.
        func number(_ name: String, _ line: String) -> UInt64? {
            guard let r = line.range(of: #"\#(name) \d+"#, options: .regularExpression) else { return nil }
            return UInt64(line[r].split(separator: " ")[1...].joined(separator: " ").split(separator: " ").last!)
        }
        let isn = try #require(number("seq", lines[2]))
        #expect(number("seq", lines[3]) == isn)
        #expect(number("ack", lines[3]) == (isn + 1) & 0xffff_ffff)
        #expect(number("TS val", lines[2]) == number("ecr", lines[3]))
    }

    @Test(arguments: [
        (["--scenario", "bound-self-connect"], "selfconnect-bound-v4.txt"),
        (["--scenario", "seed", "--type", "test1", "--quit"], "selfconnect-v4.txt"),
        (["--scenario", "seed-v6", "--type", "test1", "--quit"], "selfconnect-v6.txt"),
    ])
    func linux6TraceMatchesThe618Capture(args: [String], file: String) throws {
        let reference = try Self.reference(file)
        let r = try Self.simulate(args + ["--personality", "linux-6", "--trace"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // The unbound runs begin with their last refused attempt (S, R.); the capture starts at the self-connect.
        let selfConnect = Array(lines.suffix(reference.count))
        #expect(selfConnect.map(Self.masked) == reference.map(Self.masked))
        #expect(lines.count == reference.count + (args.contains("bound-self-connect") ? 0 : 2))
    }

    @Test func refusedTraceMatchesThe618Capture() throws {
        let reference = try Self.reference("refused-v4.txt")
        let r = try Self.simulate(["--scenario", "refused", "--personality", "linux-6", "--trace"])
        func maskPort(_ s: String) -> String {
            s.replacingOccurrences(of: #"127\.0\.0\.1\.[3-6]\d{4}\b(?<!50000)"#, with: "127.0.0.1.EPH",
                                   options: .regularExpression)
        }
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.map { maskPort(Self.masked($0)) } == reference.map { maskPort(Self.masked($0)) })
    }

    // MARK: determinism

    @Test func sameSeedGivesByteIdenticalOutputs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simulate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ tag: String, seed: String) throws -> (String, Data, Data) {
            let pcap = dir.appendingPathComponent("\(tag).pcap").path, svg = dir.appendingPathComponent("\(tag).svg").path
            let r = try Self.simulate(["--personality", "linux-6", "--seed", seed, "--pcap", pcap, "--svg", svg])
            #expect(r.status == 0)
            return (r.stdout, try Data(contentsOf: URL(fileURLWithPath: pcap)), try Data(contentsOf: URL(fileURLWithPath: svg)))
        }
        let a = try run("a", seed: "7"), b = try run("b", seed: "7")
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
        #expect(a.2 == b.2)
        #expect(a.1.count > 24 && a.2.count > 1000)
    }

    @Test func differentSeedsGiveDifferentISNs() throws {
        func isn(_ seed: String) throws -> String {
            let r = try Self.simulate(["--scenario", "bound-self-connect", "--personality", "linux-6", "--seed", seed, "--trace"])
            let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
            let range = try #require(first.range(of: #"seq \d+"#, options: .regularExpression))
            return String(first[range])
        }
        let isns = try ["1", "2", "3"].map(isn)
        #expect(Set(isns).count == 3)
    }

    // MARK: pcap

    @Test func pcapReadByTcpdumpEqualsTraceAll() throws {
        let tcpdump = try #require(["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }, "tcpdump is not installed (bash .ci/run installs it)")
        let pcap = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        // The whole seed story, self-connect and all (its relative sequence numbers included).
        let args = ["--personality", "linux-6", "--seed", "3", "--scenario", "seed", "--type", "test1", "--quit"]
        let trace = try Self.simulate(args + ["--trace=all", "--pcap", pcap])
        #expect(trace.status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tcpdump)
        process.arguments = ["-nn", "-r", pcap]
        process.environment = ["TZ": "UTC"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("Flags [S.]"))
        #expect(text.contains("Flags [F.]"))
        #expect(text.split(separator: "\n").count == trace.stdout.split(separator: "\n").count)
        #expect(text == trace.stdout)
    }

    // MARK: bad input

    @Test(arguments: [
        ["--scenario", "nope"], ["--personality", "windows-95"], ["--port", "0"], ["--port", "70000"],
        ["--seed", "abc"], ["--seed", "-1"], ["--pcap", "/nonexistent-dir/x.pcap"], ["--host", "localhost"],
        ["--max-attempts", "0"], ["--max-attempts", "2000000"], ["--svg", "/nonexistent-dir/x.svg"],
    ])
    func badInputIsOneLineOnStderrAndExitTwo(args: [String]) throws {
        let r = try Self.simulate(args)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.hasPrefix("selfconnect: "))
    }
}

/// `simulate --personality` accepts every name of TCPStack's catalog, and "host".
@Suite struct SimulatePersonalityTests {
    @Test(arguments: ["linux-4.6", "freebsd", "host"])
    func namedPersonalitiesSelfConnect(name: String) throws {
        let r = try CLIRunner.run(["simulate", "--personality", name])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("summary: self-connected after "))
    }

    @Test func xnuStorySaysConnectRefusedTheSelfConnect() throws {
        let r = try CLIRunner.run(["simulate", "--personality", "xnu", "--max-attempts", "20000"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("telnet: connect to address 127.0.0.1: Invalid argument"))
        #expect(r.stdout.contains("summary: no connection after 20000 attempts"))
        #expect(r.stdout.contains("refused by connect() itself with EINVAL"))
    }

    @Test func unknownPersonalityListsTheCatalog() throws {
        let r = try CLIRunner.run(["simulate", "--personality", "solaris"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "selfconnect: unknown personality 'solaris' "
            + "(one of: linux-3.10, linux-4.6, linux-6, rfc9293, xnu, freebsd, linux-hardened, host)\n")
    }
}
