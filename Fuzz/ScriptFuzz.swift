// libFuzzer entry point for PacketDrill, compiled into the PacketDrill module by Fuzz/run.sh. Each input is a
// script's text: the preprocessor, lexer and parser take it, and a script that parses runs against the engine on
// the virtual clock, under the personality the script names (or the default). Beyond "no trap": parsing the same
// text twice gives the same outcome, and so does running it twice (the runner is deterministic).

@_cdecl("LLVMFuzzerTestOneInput")
public func scriptFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parsed: Script
    do {
        parsed = try ScriptParser.parse(text, file: "fuzz.pkt")
    } catch {
        let again = Result { () throws(ScriptParseError) in try ScriptParser.parse(text, file: "fuzz.pkt") }
        if case .success = again { preconditionFailure("a parse error, then a parse: \(error)") }
        return 0
    }
    let first = ScriptRunner.run(parsed)
    let second = ScriptRunner.run(parsed)
    precondition("\(first)" == "\(second)", "two runs differ: \(first) vs \(second)")
    return 0
}
