import Foundation
import PacketDrill
import Testing

/// Inputs the script fuzzer (Fuzz/run.sh script) crashed on, kept in its seed corpus, each now a clean verdict.
@Suite struct FuzzFindingsTests {
    private static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus-script")

    /// The fuzzer's input: `bind(1, ..., {{{...` some 900 braces deep overflowed the stack in the recursive parser.
    @Test func deeplyNestedBracesAreAParseErrorNotAStackOverflow() throws {
        let bytes = try Data(contentsOf: Self.corpus.appendingPathComponent("crash-nested-braces.pkt"))
        let text = String(decoding: bytes, as: UTF8.self)
        let error = #expect(throws: ScriptParseError.self) { try ScriptParser.parse(text, file: "fuzz.pkt") }
        #expect(error?.message == "expressions nested more than 64 deep")
    }

    @Test(arguments: ["{", "[", "f("])
    func nestingOfAnyKindStopsAt64(opener: String) throws {
        let deep = "0 bind(3, " + String(repeating: opener, count: 100_000)
        let error = #expect(throws: ScriptParseError.self) { try ScriptParser.parse(deep, file: "deep.pkt") }
        #expect(error?.message == "expressions nested more than 64 deep")
        // 63 levels inside the call's argument still parse as far as the nesting goes.
        let shallow = "0 bind(3, " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + ") = 0\n"
        #expect(throws: Never.self) { _ = try ScriptParser.parse(shallow, file: "ok.pkt") }
    }

    /// The fuzzer's input: a `*` (any time) outbound line with nothing sent. The look-ahead for a late packet added
    /// 10 s to the window's open end, Int64.max, and trapped on overflow.
    @Test func anAnyTimeOutboundLineWithNothingSentIsAMissingPacketNotAnOverflow() throws {
        let bytes = try Data(contentsOf: Self.corpus.appendingPathComponent("crash-any-time-outbound.pkt"))
        let text = String(decoding: bytes, as: UTF8.self)
        let outcome = try ScriptRunner.run(text: text, file: "fuzz.pkt", options: .init(allowUnsupported: true))
        let failure = try #require(outcome.failure)
        #expect(failure.location.line == 3)
        #expect(failure.message.hasPrefix("missing outbound packet"))
    }
}
