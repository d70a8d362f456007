/// `#ifdef NAME` / `#ifndef NAME` / `#else` / `#endif` with names defined by `-D`.
/// Lines that are excluded become empty so every remaining line keeps its number.
struct Preprocessor {
    let file: String
    let defines: Set<String>

    private struct Frame {
        var location: SourceLocation
        var parentActive: Bool
        var condition: Bool
        var sawElse = false
        var active: Bool { parentActive && (sawElse ? !condition : condition) }
    }

    func run(_ text: String) throws(ScriptParseError) -> String {
        var out: [Substring] = []
        var stack: [Frame] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let active = stack.last?.active ?? true
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            let column = line.count - trimmed.count + 1
            let here = SourceLocation(line: lineNumber, column: column)
            let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            switch words.first {
            case "#ifdef", "#ifndef":
                guard words.count == 2 else {
                    throw error(here, "\(words[0]) needs exactly one name")
                }
                let defined = defines.contains(String(words[1]))
                stack.append(Frame(location: here, parentActive: active, condition: words[0] == "#ifdef" ? defined : !defined))
                out.append("")
            case "#else":
                guard var top = stack.popLast(), !top.sawElse else { throw error(here, "#else without #ifdef") }
                top.sawElse = true
                stack.append(top)
                out.append("")
            case "#endif":
                guard stack.popLast() != nil else { throw error(here, "#endif without #ifdef") }
                out.append("")
            default:
                out.append(active ? line : "")
            }
        }
        if let open = stack.last { throw error(open.location, "#ifdef is not closed by #endif") }
        return out.joined(separator: "\n")
    }

    private func error(_ at: SourceLocation, _ message: String) -> ScriptParseError {
        ScriptParseError(file: file, location: at, message: message)
    }
}
