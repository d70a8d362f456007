import Foundation
import Testing

/// Every `--json` output against its committed schema (docs/json/NAME.schema.json), checked by the `jsonschema`
/// library (Debian's python3-jsonschema, installed by .ci/run) through scripts/validate-json.py.
@Suite struct JSONSchemaTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/linux-6.18-loopback-captures")

    /// Validates `output` against `docs/json/<schema>.schema.json`; returns the validator's verdict line.
    static func validate(_ output: String, schema: String) throws -> (status: Int32, report: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).json")
        try Data(output.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [root.appendingPathComponent("scripts/validate-json.py").path,
                       root.appendingPathComponent("docs/json/\(schema).schema.json").path, file.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func expectValid(_ arguments: [String], schema: String, documents: Int? = nil) throws {
        let r = try CLIRunner.run(arguments)
        #expect(!r.stdout.isEmpty, "\(arguments): no output; stderr: \(r.stderr)")
        let v = try validate(r.stdout, schema: schema)
        #expect(v.status == 0, "\(arguments): \(v.report)")
        if let documents { #expect(v.report == "\(documents) valid\n") }
    }

    @Test func theValidatorRejectsAnOutputThatBreaksTheSchema() throws {
        let bad = try Self.validate(#"{"version":1,"personality":"linux-6"}"#, schema: "odds")
        #expect(bad.status == 1)
        #expect(bad.report.contains("'port' is a required property"))
        let camel = try Self.validate(#"{"version":1,"index":1,"time":"1.000000000","offset":24,"payloadLength":0}"#,
                                      schema: "pcap")
        #expect(camel.status == 1)
    }

    @Test(arguments: [
        ["odds", "--port", "50000", "--json"],
        ["odds", "--port", "50000", "--personality", "linux-3.10", "--json"],
        ["odds", "--port", "50001", "--personality", "linux-4.6", "--json"],
    ])
    func oddsJSONMatchesItsSchema(arguments: [String]) throws {
        try Self.expectValid(arguments, schema: "odds", documents: 1)
    }

    @Test(arguments: [
        ["simulate", "--json"],
        ["simulate", "--json", "--personality", "linux-6", "--scenario", "bound-self-connect"],
        ["simulate", "--json", "--scenario", "refused"],
        ["simulate", "--json", "--personality", "xnu", "--max-attempts", "50"],
    ])
    func simulateJSONMatchesItsSchema(arguments: [String]) throws {
        try Self.expectValid(arguments, schema: "simulate", documents: 1)
    }

    @Test func pcapJSONLinesMatchTheirSchema() throws {
        try Self.expectValid(["pcap", "print", "--json", Self.fixtures.appendingPathComponent("selfconnect-v6.pcap").path],
                             schema: "pcap", documents: 7)
    }

    @Test func scriptJSONLinesMatchTheirSchemaForPassFailAndParseError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-scripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pass = dir.appendingPathComponent("pass.pkt"), fail = dir.appendingPathComponent("fail.pkt")
        let broken = dir.appendingPathComponent("broken.pkt")
        try "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n".write(to: pass, atomically: true, encoding: .utf8)
        try "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = -1 EMFILE (Too many open files)\n".write(to: fail, atomically: true, encoding: .utf8)
        try "0 socket(\n".write(to: broken, atomically: true, encoding: .utf8)
        for file in [pass, fail, broken] {
            try Self.expectValid(["script", "run", "--json", file.path], schema: "script", documents: 1)
        }
    }

    @Test func auditJSONMatchesItsSchema() throws {
        try Self.expectValid(["audit", "--json"], schema: "audit", documents: 1)
    }

    @Test func reproJSONMatchesItsSchema() throws {
        guard getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true" else {
            print("skipped: repro --bind needs the live kernel as root")
            return
        }
        try Self.expectValid(["repro", "--bind", "--port", "40123", "--json"], schema: "repro", documents: 1)
    }

    @Test func traceJSONLinesMatchTheirSchema() throws {
        guard getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true" else {
            print("skipped: trace needs root (tracefs) on the live kernel")
            return
        }
        let trace = Process()
        trace.executableURL = CLIRunner.executable
        trace.arguments = ["trace", "--json", "--fate", "--duration", "4s"]
        let out = Pipe()
        trace.standardOutput = out
        trace.standardError = FileHandle.nullDevice
        try trace.run()
        // A bound self-connect, closed with a reset (SO_LINGER 0) so no TIME-WAIT holds the port, once trace is up.
        usleep(1_500_000)
        let port = Int.random(in: 45_400...45_499)
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        peer.arguments = ["-c", """
            import socket, struct
            s = socket.socket(); s.bind(("127.0.0.1", \(port))); s.connect(("127.0.0.1", \(port)))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
            """]
        try peer.run()
        peer.waitUntilExit()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        trace.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(peer.terminationStatus == 0)
        #expect(text.contains("\"port\":\(port)}"), "trace saw no self-connect on \(port): \(text)")
        #expect(text.contains("\"event\":\"closed\""))
        let v = try Self.validate(text, schema: "trace")
        #expect(v.status == 0, "\(v.report)")
    }
}
