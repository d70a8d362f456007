import Foundation
import Testing

/// `selfconnect script run`: PASS/FAIL per file, exit 0 / 1 / 2, parse errors one line with file:line:column.
@Suite struct ScriptCommandTests {
    static var scripts: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts").path
    }

    static func temporaryScript(_ name: String, _ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "selfconnect-\(getpid())-\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func passingScriptsPrintPassAndExitZero() throws {
        let files = ["\(Self.scripts)/listen/syn.pkt", "\(Self.scripts)/closed/syn.pkt"]
        let r = try CLIRunner.run(["script", "run"] + files)
        #expect(r.status == 0)
        #expect(r.stdout == "PASS \(files[0]) [linux-6]\nPASS \(files[1]) [linux-6]\n")
        #expect(r.stderr == "")
    }

    @Test func aFailingScriptPrintsLineExpectedActualAndStateAndExitsOne() throws {
        let path = try Self.temporaryScript("wrong-ack.pkt", """
            0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0    bind(3, ..., ...) = 0
            +0    listen(3, 1) = 0
            +0    < S 0:0(0) win 65535 <mss 1460>
            +0    > S. 0:0(0) ack 7 <mss 1460>
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLIRunner.run(["script", "run", path])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "FAIL \(path) [linux-6]")
        #expect(lines.contains("  line 5: outbound packet differs: ack 1, expected 7"))
        #expect(lines.contains("    expected: > S. 0:0(0) ack 7 <mss 1460>"))
        #expect(lines.contains { $0.hasPrefix("    actual:   > S. 0:0(0) ack 1 win ") })
        #expect(lines.contains("    engine:   fd 3: LISTEN"))
    }

    @Test func jsonGivesOneObjectPerFile() throws {
        let r = try CLIRunner.run(["script", "run", "--json", "\(Self.scripts)/closed/syn.pkt", "\(Self.scripts)/closed/ack.pkt"])
        #expect(r.status == 0)
        let objects = r.stdout.split(separator: "\n")
        #expect(objects.count == 2)
        for object in objects {
            let parsed = try JSONSerialization.jsonObject(with: Data(object.utf8)) as? [String: Any]
            #expect(parsed?["result"] as? String == "pass")
        }
        #expect(objects[1].contains("\"personality\":\"rfc9293\""))
    }

    @Test func aParseErrorIsOneLineWithFileLineColumnAndExitTwo() throws {
        let path = try Self.temporaryScript("bad.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0) win 70000\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLIRunner.run(["script", "run", path, "\(Self.scripts)/closed/syn.pkt"])
        #expect(r.status == 2)
        #expect(r.stderr == "\(path):2:19: error: window 70000 is larger than 65535\n")
        #expect(r.stdout == "PASS \(Self.scripts)/closed/syn.pkt [linux-6]\n")
    }

    @Test func shellLinesNeedAllowUnsupported() throws {
        let path = try Self.temporaryScript("shell.pkt", "`true`\n0 < S 0:0(0) win 65535\n+0 > R. 0:0(0) ack 1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let strict = try CLIRunner.run(["script", "run", path])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("unsupported: shell command 'true'"))
        let lenient = try CLIRunner.run(["script", "run", "--allow-unsupported", path])
        #expect(lenient.status == 0)
        #expect(lenient.stdout == "PASS \(path) [linux-6] (1 unsupported lines skipped)\n  unsupported: shell command 'true'\n")
    }

    @Test func personalityOverrideAndUnknownPersonality() throws {
        let file = "\(Self.scripts)/closed/syn.pkt"
        let r = try CLIRunner.run(["script", "run", "--personality", "rfc9293", file])
        #expect(r.stdout == "PASS \(file) [rfc9293]\n")
        let bad = try CLIRunner.run(["script", "run", "--personality", "bsd", file])
        #expect(bad.status == 2)
        #expect(bad.stderr == "selfconnect: unknown personality 'bsd' (one of: linux-3.10, linux-4.6, linux-6, rfc9293, xnu, freebsd, linux-hardened)\n")
    }
}
