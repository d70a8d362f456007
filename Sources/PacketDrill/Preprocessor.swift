/// `#ifdef NAME` / `#ifndef NAME` / `#else` / `#endif` with names defined by `-D`.
/// Lines that are excluded become empty so every remaining line keeps its number.
/// A `-D NAME=VALUE` also replaces the word NAME by VALUE in the script, as packetdrill's lexer looks up its
/// definitions (`CMSG_LEVEL_IP` in the timestamping scripts).
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
                out.append(active ? substituted(line) : "")
            }
        }
        if let open = stack.last { throw error(open.location, "#ifdef is not closed by #endif") }
        return out.joined(separator: "\n")
    }

    /// NAME -> VALUE for each `-D NAME=VALUE`.
    private var values: [Substring: Substring] {
        var out: [Substring: Substring] = [:]
        for d in defines {
            guard let eq = d.firstIndex(of: "="), eq != d.startIndex else { continue }
            out[d[..<eq]] = d[d.index(after: eq)...]
        }
        return out
    }

    /// The line with every whole word that names a definition replaced by its value.
    private func substituted(_ line: Substring) -> Substring {
        let values = self.values
        guard !values.isEmpty else { return line }
        func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        var out = ""
        var word = ""
        var changed = false
        for c in line {
            if isWord(c) {
                word.append(c)
                continue
            }
            if let v = values[Substring(word)] { out += v; changed = true } else { out += word }
            word = ""
            out.append(c)
        }
        if let v = values[Substring(word)] { out += v; changed = true } else { out += word }
        return changed ? Substring(out) : line
    }

    private func error(_ at: SourceLocation, _ message: String) -> ScriptParseError {
        ScriptParseError(file: file, location: at, message: message)
    }
}
