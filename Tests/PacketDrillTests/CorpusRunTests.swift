import PacketDrill
import Testing

/// Where the engine disagrees with a script, the failing line and why. The scripts are the specification; each
/// entry is an engine bug report, and the test fails as soon as a listed script starts to pass (remove the entry).
let engineDisagreements: [String: (line: Int, reason: String)] = [
    "syscalls/nagle-holds-small-segment.pkt": (16, "RFC 1122 §4.2.3.4 Nagle: the engine sends the second small segment at once"),
    "zero-window/probe-linux.pkt": (14, "no zero-window probe (persist timer) in the engine"),
    "zero-window/probe-backoff-linux.pkt": (14, "no zero-window probe (persist timer) in the engine"),
    "zero-window/probe-rfc.pkt": (15, "no zero-window probe (persist timer) in the engine"),
]

/// Every script of Tests/Scripts must pass against the engine under the personality it declares.
@Test(arguments: try CorpusFiles.all().map(\.name))
func corpusScriptPassesAgainstTheEngine(name: String) throws {
    let text = try #require(try CorpusFiles.all().first { $0.name == name }?.text)
    let outcome = try ScriptRunner.run(text: text, file: name)
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
