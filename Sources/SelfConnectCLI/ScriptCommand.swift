import TCPWire
import ArgumentParser
import Foundation
import PacketDrill

struct ScriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "packetdrill scripts against the SelfConnect engine.",
        subcommands: [ScriptRunCommand.self]
    )
}

struct ScriptRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run packetdrill scripts against the engine on a virtual clock.",
        discussion: """
            Prints PASS or FAIL per file; a directory runs every .pkt file under it, one at a time, in name order. \
            Exit 0 if all pass, 1 if any fails, 2 on a parse error.
            """
    )

    @Option(help: "Engine personality, overriding each script's '// personality:' line (\(ScriptPersonality.names.joined(separator: ", "))).")
    var personality: String?

    @Flag(help: "Skip shell lines and %{ }% code blocks instead of failing on them.")
    var allowUnsupported = false

    @Flag(help: "Fail on a packet as soon as no line expects it, also after the last line (packetdrill reads packets only at '>' lines and stops at the last event).")
    var strict = false

    @Flag(help: "One JSON object per file.")
    var json = false

    @Option(name: .customShort("D"), help: ArgumentHelp("Define a name for #ifdef.", valueName: "name"))
    var defines: [String] = []

    @Flag(help: "After the files, print the pass count and the failures by class.")
    var summary = false

    @Option(help: ArgumentHelp("Write each failure as 'file<TAB>class<TAB>reason' to this file.", valueName: "file"))
    var knownDifferences: String?

    @Argument(help: "Script files or directories.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("no script files given") }
        if let personality {
            do { _ = try ScriptPersonality.configuration(named: personality) } catch {
                throw ValidationError(error.description)
            }
        }
    }

    func run() async throws {
        var parseErrors = 0
        var failures = 0
        let options = ScriptRunner.Options(
            personality: personality, allowUnsupported: allowUnsupported, strict: strict,
            readFile: { try? String(contentsOfFile: $0, encoding: .utf8) })
        var differences: [(file: String, kind: String, reason: String)] = []
        var total = 0
        for file in try Self.expand(files) {
            total += 1
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                printError("\(file):1:1: error: cannot read the file")
                parseErrors += 1
                continue
            }
            let outcome: ScriptOutcome
            do {
                outcome = try ScriptRunner.run(text: text, file: file, options: options, defines: Set(defines))
            } catch {
                printError(error.description)
                if json { print(ScriptJSON.parseError(error)) }
                parseErrors += 1
                differences.append((file, "parse error", "\(error.location.line):\(error.location.column): \(error.message)"))
                continue
            }
            if let failure = outcome.failure {
                failures += 1
                differences.append((file, FailureClass.of(failure), "line \(failure.location.line): \(failure.message)"))
            }
            print(json ? ScriptJSON.outcome(outcome) : Self.text(outcome))
        }
        if summary { print(Self.summary(total: total, differences: differences)) }
        if let knownDifferences {
            let lines = differences.map { "\($0.file)\t\($0.kind)\t\($0.reason.replacingOccurrences(of: "\t", with: " "))\n" }
            do {
                try lines.joined().write(toFile: knownDifferences, atomically: true, encoding: .utf8)
            } catch {
                printError("cannot write \(knownDifferences): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        if parseErrors > 0 { throw ExitCode(2) }
        if failures > 0 { throw ExitCode(1) }
    }

    /// `passed 594/614` and one line per failure class, most frequent first.
    static func summary(total: Int, differences: [(file: String, kind: String, reason: String)]) -> String {
        var counts: [String: Int] = [:]
        for d in differences { counts[d.kind, default: 0] += 1 }
        let classes = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .map { "  \($0.value)\t\($0.key)" }
        return (["passed \(total - differences.count)/\(total)"] + classes).joined(separator: "\n")
    }

    /// Files as given; a directory becomes every `.pkt` file under it, sorted.
    static func expand(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                out.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let found = (FileManager.default.enumerator(atPath: base)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".pkt") }.sorted()
            out += found.map { base + "/" + $0 }
        }
        return out
    }

    static func text(_ outcome: ScriptOutcome) -> String {
        let skipped = outcome.skippedUnsupported > 0 ? " (\(outcome.skippedUnsupported) unsupported lines skipped)" : ""
        let listed = outcome.unsupported.map { "\n  unsupported: \($0)" }.joined()
        guard let failure = outcome.failure else { return "PASS \(outcome.file) [\(outcome.personality)]\(skipped)\(listed)" }
        return "FAIL \(outcome.file) [\(outcome.personality)]\n" + failure.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + listed
    }
}

/// JSON lines for `script run --json` (schema: docs/json/script.schema.json).
enum ScriptJSON {
    static func outcome(_ o: ScriptOutcome) -> String {
        var fields: [(String, JSONValue)] = [
            ("version", .int(1)), ("file", .string(o.file)), ("personality", .string(o.personality)),
            ("result", .string(o.passed ? "pass" : "fail")), ("skipped_unsupported", .int(o.skippedUnsupported)),
            ("unsupported", .strings(o.unsupported)),
        ]
        if let f = o.failure {
            fields += [
                ("line", .int(f.location.line)), ("message", .string(f.message)),
                ("expected", .string(f.expected)), ("actual", .string(f.actual)),
                ("engine", .strings(f.engineState)),
            ]
        }
        return JSONValue.object(fields).compact
    }

    static func parseError(_ e: ScriptParseError) -> String {
        JSONValue.object([
            ("version", .int(1)), ("file", .string(e.file)), ("result", .string("parse-error")),
            ("line", .int(e.location.line)), ("column", .int(e.location.column)), ("message", .string(e.message)),
        ]).compact
    }
}
