import Foundation
import Testing

/// The explainer pages in a real browser: headless Chromium driven by Selenium and chromedriver (Debian's
/// `chromium`, `chromium-driver`, `python3-selenium`, installed by `.ci/run`) runs Tests/Browser/explainer_test.py
/// against pages the CLI writes, checking every step against the same run's `--json` and `--explain`.
/// Under CI=true a missing browser, driver or Selenium is a failure; elsewhere the test is skipped with the reason.
@Suite(.serialized) struct ExplainerBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/explainer_test.py")
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// What is missing to run the browser test (empty: nothing).
    static let missing: [String] = {
        var m: [String] = []
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") { m.append("/usr/bin/chromium (Debian chromium)") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") { m.append("/usr/bin/chromedriver (Debian chromium-driver)") }
        if (try? run("/usr/bin/python3", ["-c", "import selenium"]).status) != 0 { m.append("python3 selenium (Debian python3-selenium)") }
        return m
    }()
    static let runnable = missing.isEmpty || inCI

    static func run(_ tool: String, _ args: [String]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
    }

    /// Writes the page and the engine's `--explain --json` output of the same run; returns their paths.
    static func page(_ dir: URL, _ name: String, _ args: [String]) throws -> (page: String, engine: String) {
        let page = dir.appendingPathComponent("\(name).html").path
        let r = try CLIRunner.run(["simulate", "--explain", "--json", "--html", page] + args)
        #expect(r.status == 0, "\(r.stderr)")
        let engine = dir.appendingPathComponent("\(name).engine.txt").path
        try r.stdout.write(toFile: engine, atomically: true, encoding: .utf8)
        return (page, engine)
    }

    func requireTools() -> Bool {
        guard Self.missing.isEmpty else {
            Issue.record("CI=true and the browser test cannot run: missing \(Self.missing.joined(separator: ", "))")
            return false
        }
        return true
    }

    /// Runs the Selenium script; returns its figures (one JSON object) after asserting it passed.
    func browse(_ args: [String]) throws -> [String: Any] {
        let r = try Self.run("/usr/bin/python3", [Self.script.path] + args)
        #expect(r.status == 0, "browser checks failed:\n\(r.stderr)")
        let line = r.stdout.split(separator: "\n").last.map(String.init) ?? "{}"
        print("explainer browser test: \(line)")
        return (try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    static func shots(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("selfconnect-explainer-shots/\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(.enabled(if: runnable, "needs chromium, chromium-driver and python3-selenium (set CI=true to make this a failure): missing \(missing.joined(separator: ", "))"),
          arguments: [("default-story", [String]()), ("bound-linux-6", ["--scenario", "bound-self-connect", "--personality", "linux-6"])])
    func everyStepMatchesTheEnginesJSONAndExplainInHeadlessChromium(name: String, args: [String]) throws {
        guard requireTools() else { return }
        let dir = try Self.shots(name)
        let (page, engine) = try Self.page(dir, name, args)
        let size = try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int ?? .max
        #expect(size < 1_000_000)
        let figures = try browse(["single", page, engine, dir.path])
        let firstStep = figures["firstStepMs"] as? Double ?? .infinity
        #expect(firstStep < 1000)
        #expect((figures["steps"] as? Int ?? 0) >= 7)
        print("explainer \(name): \(size) bytes, first step rendered at \(firstStep) ms, screenshots in \(dir.path)")
    }

    @Test(.enabled(if: runnable, "needs chromium, chromium-driver and python3-selenium (set CI=true to make this a failure)"))
    func compareViewMarksTheThirdHandshakeSegmentInHeadlessChromium() throws {
        guard requireTools() else { return }
        let dir = try Self.shots("compare")
        let page = dir.appendingPathComponent("compare.html").path
        let r = try CLIRunner.run(["simulate", "--compare", "linux-3.10,linux-6,rfc9293,xnu", "--html", page])
        #expect(r.status == 0, "\(r.stderr)")
        // Each run's own --trace (the third handshake segments) and --explain --json (every cell's moves).
        var traces: [String] = []
        var engines: [String] = []
        for p in ["linux-3.10", "linux-6", "rfc9293", "xnu"] {
            let t = try CLIRunner.run(["simulate", "--personality", p, "--trace", "--explain", "--json"])
            let lines = t.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let trace = lines.filter { $0.contains(" IP ") }.joined(separator: "\n")
            let path = dir.appendingPathComponent("\(p).trace").path
            try trace.write(toFile: path, atomically: true, encoding: .utf8)
            traces.append(path)
            let engine = dir.appendingPathComponent("\(p).engine.txt").path
            try lines.filter { !$0.contains(" IP ") }.joined(separator: "\n").write(toFile: engine, atomically: true, encoding: .utf8)
            engines.append("\(p)=\(engine)")
        }
        let figures = try browse(["compare", page, traces[0], traces[1], "linux-3.10", "linux-6", dir.path] + engines)
        #expect((figures["reason"] as? String ?? "").contains("the third handshake segment"))
    }
}
