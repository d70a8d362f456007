import PacketDrill
import Testing

/// Where the engine disagrees with a script, the failing line and why. The scripts are the specification; each
/// entry is an engine bug report, and the test fails as soon as a listed script starts to pass (remove the entry).
let engineDisagreements: [String: (line: Int, reason: String)] = [:]

/// Every script of Tests/Scripts must pass against the engine under the personality it declares.
@Test(arguments: try CorpusFiles.all().map(\.name))
func corpusScriptPassesAgainstTheEngine(name: String) throws {
    let text = try #require(try CorpusFiles.all().first { $0.name == name }?.text)
    // Our scripts are held to the strict check: every packet expected when it is sent.
    let outcome = try ScriptRunner.run(text: text, file: name, options: .init(strict: true))
    guard let known = engineDisagreements[name] else {
        #expect(outcome.failure == nil, "\(name) [\(outcome.personality)]\n\(outcome.failure?.description ?? "")")
        return
    }
    // A known disagreement must fail on the recorded line, and is reported as a known issue, not a pass.
    #expect(outcome.failure?.location.line == known.line, "\(name): \(outcome.failure?.description ?? "passes now")")
    withKnownIssue("engine disagrees: \(known.reason)") {
        #expect(outcome.failure == nil, "\(name) [\(outcome.personality)]\n\(outcome.failure?.description ?? "")")
    }
}
