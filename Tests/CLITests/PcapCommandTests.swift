import Foundation
import Testing

@Suite struct PcapCommandTests {
    static let reference = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/linux-6.18-loopback-captures")

    static func temp(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pcapcli-\(getpid())-\(name)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test(arguments: ["selfconnect-v4", "selfconnect-v6", "refused-v4", "connect-accept-echo-close-v4"])
    func printMatchesTheRecordedTcpdumpOutput(name: String) throws {
        let r = try CLIRunner.run(["pcap", "print", Self.reference.appendingPathComponent("\(name).pcap").path])
        let expected = try String(contentsOf: Self.reference.appendingPathComponent("\(name).txt"), encoding: .utf8)
        #expect(r.status == 0)
        #expect(r.stderr == "")
        #expect(r.stdout == expected)
    }

    @Test func printMatchesLiveTcpdump() throws {
        let tcpdump = "/usr/bin/tcpdump"
        try #require(FileManager.default.isExecutableFile(atPath: tcpdump),
                     "tcpdump is not installed (bash .ci/run installs it)")
        let file = Self.reference.appendingPathComponent("selfconnect-bound-v4.pcap").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tcpdump)
        p.arguments = ["-nn", "-r", file]
        p.environment = ["TZ": "UTC"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let theirs = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(try CLIRunner.run(["pcap", "print", file]).stdout == theirs)
    }

    @Test func missingFileIsOneLineAndExitTwo() throws {
        let r = try CLIRunner.run(["pcap", "print", "/nonexistent/x.pcap"])
        #expect(r.status == 2)
        #expect(r.stderr == "selfconnect: /nonexistent/x.pcap: cannot open: No such file or directory\n")
        #expect(r.stdout == "")
    }

    @Test func notAPcapNamesOffsetZero() throws {
        let url = try Self.temp("text", Array("just some text, not a capture\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try CLIRunner.run(["pcap", "print", url.path])
        #expect(r.status == 2)
        #expect(r.stderr == "selfconnect: \(url.path): not a pcap file at offset 0: magic 0x6a757374\n")
    }

    @Test func truncatedFilePrintsWhatPrecedesAndNamesTheOffset() throws {
        let full = [UInt8](try Data(contentsOf: Self.reference.appendingPathComponent("refused-v4.pcap")))
        let url = try Self.temp("trunc", Array(full.prefix(130)))
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try CLIRunner.run(["pcap", "print", url.path])
        #expect(r.status == 2)
        #expect(r.stdout.split(separator: "\n").count == 1)
        #expect(r.stdout.hasPrefix("13:43:36.545082 IP 127.0.0.1.52642 > 127.0.0.1.50000: Flags [S]"))
        #expect(r.stderr == "selfconnect: \(url.path): truncated record at offset 114: needs 70 bytes, 16 present\n")
    }

    @Test func jsonGivesOneObjectPerPacketWithTheTCPFields() throws {
        let r = try CLIRunner.run(["pcap", "print", "--json", Self.reference.appendingPathComponent("refused-v4.pcap").path])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(objects[0]["src"] as? String == "127.0.0.1")
        #expect(objects[0]["sport"] as? Int == 52642)
        #expect(objects[0]["dport"] as? Int == 50000)
        #expect(objects[0]["flags"] as? String == "S")
        #expect(objects[0]["seq"] as? Int == 941_746_286)
        #expect(objects[0]["window"] as? Int == 65495)
        #expect((objects[0]["options"] as? [[String: Any]])?.first?["value"] as? Int == 65495)
        #expect(objects[1]["flags"] as? String == "R.")
        #expect(objects[1]["ack"] as? Int == 941_746_287)
        #expect(objects[1]["payload_length"] as? Int == 0)
        #expect(objects[1]["time"] as? String == "1795614216.545100000")
    }
}
