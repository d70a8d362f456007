import Foundation
import Testing

/// `simulate --html`, `--compare` and the linux-hardened personality from the command line.
@Suite struct ExplainerCommandTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("selfconnect-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func htmlPageIsByteIdenticalForTheSameOptionsAndSeed() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var pages: [Data] = []
        for name in ["a.html", "b.html"] {
            let path = dir.appendingPathComponent(name).path
            let r = try CLIRunner.run(["simulate", "--scenario", "bound-self-connect", "--personality", "linux-6",
                                       "--seed", "7", "--html", path])
            #expect(r.status == 0 && r.stderr.isEmpty)
            pages.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(pages[0] == pages[1])
        let text = String(decoding: pages[0], as: UTF8.self)
        #expect(text.hasPrefix("<!DOCTYPE html>") && text.contains("id=\"explainer-data\""))
        #expect(text.contains("SYN_SENT") && text.contains("tcp_rcv_synsent_state_process"))
    }

    @Test func comparePageIsByteIdenticalForTheSameOptionsAndSeed() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var pages: [Data] = []
        for name in ["a.html", "b.html"] {
            let path = dir.appendingPathComponent(name).path
            let r = try CLIRunner.run(["simulate", "--scenario", "bound-self-connect", "--max-attempts", "3",
                                       "--compare", "linux-3.10,linux-6,xnu", "--html", path])
            #expect(r.status == 0 && r.stderr.isEmpty)
            pages.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(pages[0] == pages[1])
        #expect(String(decoding: pages[0], as: UTF8.self).contains("data-first-divergence=\"true\""))
    }

    @Test func compareSaysWhereLinux6PartsFromLinux310() throws {
        let r = try CLIRunner.run(["simulate", "--scenario", "bound-self-connect", "--max-attempts", "3",
                                   "--compare", "linux-3.10,linux-6,rfc9293,linux-hardened"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("linux-6 parts from linux-3.10 at step 3, the third handshake segment: "))
        #expect(lines[0].contains("tcp_send_challenge_ack") && lines[0].contains("sack"))
        #expect(lines[1].hasPrefix("rfc9293 parts from linux-3.10 at step 3, the third handshake segment: "))
        #expect(lines[2].hasPrefix("linux-hardened parts from linux-3.10 at step 2, "))
        #expect(lines[2].contains("tcp_simult_connect=0"))
    }

    @Test(arguments: [
        (["--compare", "linux-6"], "selfconnect: --compare needs two or more personalities separated by commas, got 'linux-6'"),
        (["--compare", "linux-6,bsd"], "selfconnect: unknown personality 'bsd' (one of: linux-3.10, linux-4.6, linux-6, rfc9293, xnu, freebsd, linux-hardened, host)"),
        (["--html", "/nonexistent-dir/x.html"], "selfconnect: --html: cannot write '/nonexistent-dir/x.html'"),
    ])
    func badExplainerArgumentsAreOneLineAndExit2(args: [String], message: String) throws {
        let r = try CLIRunner.run(["simulate", "--scenario", "bound-self-connect"] + args)
        #expect(r.status == 2)
        #expect(r.stderr == message + "\n")
    }

    @Test func oddsSaysLinuxHardenedCannotSelfConnect() throws {
        let r = try CLIRunner.run(["odds", "--port", "50000", "--personality", "linux-hardened"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("self-connect cannot happen: linux-hardened drops a SYN received in SYN_SENT "
            + "(net.ipv4.tcp_simult_connect=0)"))
        let json = try CLIRunner.run(["odds", "--port", "50000", "--personality", "linux-hardened", "--json"])
        #expect(json.stdout.contains("\"verdict\":\"simultaneousConnectOff\""))
        #expect(json.stdout.contains("\"probability_within\":0"))
    }

    @Test func linuxHardenedBoundSelfConnectTimesOut() throws {
        let r = try CLIRunner.run(["simulate", "--scenario", "bound-self-connect", "--personality", "linux-hardened",
                                   "--max-attempts", "1", "--trace"])
        #expect(r.status == 0)
        let syns = r.stdout.split(separator: "\n").filter { $0.contains("Flags [S], seq") }
        #expect(syns.map { String($0.prefix(15)) } == ["00:00:00.000000", "00:00:01.000000", "00:00:03.000000",
            "00:00:07.000000", "00:00:15.000000", "00:00:31.000000", "00:01:03.000000"])
        let story = try CLIRunner.run(["simulate", "--scenario", "bound-self-connect", "--personality", "linux-hardened",
                                       "--max-attempts", "1"])
        #expect(story.stdout.contains("telnet: connect to address 127.0.0.1: Connection timed out"))
        #expect(story.stdout.contains("summary: no connection after 1 attempt"))
    }
}
