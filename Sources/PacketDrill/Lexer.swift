/// Tokens of the packetdrill language (the TCP subset).
enum TokenKind: Hashable, Sendable {
    /// A decimal integer or decimal fraction, as written (`0`, `0.100`, `.5`).
    case number(String)
    case hexNumber(UInt64)
    case word(String)
    case string(String)
    /// `--name` or `--name=value` at the start of a script.
    case option(name: String, value: String?)
    case backtick(String)
    case code(String)
    case ellipsis
    /// One punctuation character: `< > ( ) [ ] { } , : = + - * ~ | . /`.
    case punct(Character)
    case end
}

struct Token: Hashable, Sendable {
    var kind: TokenKind
    var location: SourceLocation
    /// Whitespace or a comment separates this token from the previous one.
    var spaceBefore: Bool
}

/// A hand-written scanner over the script's UTF-8 bytes. Comments are `//` to end of line and `/* */`.
struct Lexer {
    let file: String
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(file: String, text: String) {
        self.file = file
        self.bytes = Array(text.utf8)
    }

    private var location: SourceLocation { SourceLocation(line: line, column: index - lineStart + 1) }

    private func peekByte(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        index += 1
    }

    func error(_ at: SourceLocation, _ message: String) -> ScriptParseError {
        ScriptParseError(file: file, location: at, message: message)
    }

    /// Skips whitespace and comments; returns whether anything was skipped.
    private mutating func skipTrivia() throws(ScriptParseError) -> Bool {
        var skipped = false
        while let b = peekByte() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                advance()
            } else if b == UInt8(ascii: "/") && peekByte(1) == UInt8(ascii: "/") {
                while let c = peekByte(), c != UInt8(ascii: "\n") { advance() }
            } else if b == UInt8(ascii: "/") && peekByte(1) == UInt8(ascii: "*") {
                let start = location
                advance(); advance()
                while true {
                    guard let c = peekByte() else { throw error(start, "comment is not closed by */") }
                    if c == UInt8(ascii: "*") && peekByte(1) == UInt8(ascii: "/") {
                        advance(); advance()
                        break
                    }
                    advance()
                }
            } else {
                return skipped
            }
            skipped = true
        }
        return skipped
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || isDigit(b) || b == UInt8(ascii: "_")
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private func text(_ from: Int, _ to: Int) -> String { String(decoding: bytes[from..<to], as: UTF8.self) }

    mutating func next() throws(ScriptParseError) -> Token {
        let space = try skipTrivia() || index == 0
        let start = location
        guard let b = peekByte() else { return Token(kind: .end, location: start, spaceBefore: space) }
        let from = index
        func token(_ kind: TokenKind) -> Token { Token(kind: kind, location: start, spaceBefore: space) }

        if Self.isDigit(b) || (b == UInt8(ascii: ".") && peekByte(1).map(Self.isDigit) == true) {
            if b == UInt8(ascii: "0"), peekByte(1) == UInt8(ascii: "x") || peekByte(1) == UInt8(ascii: "X") {
                advance(); advance()
                let digitsFrom = index
                while let c = peekByte(), c.isHexDigit { advance() }
                guard index > digitsFrom, index - digitsFrom <= 16,
                    let v = UInt64(text(digitsFrom, index), radix: 16)
                else { throw error(start, "bad hexadecimal number") }
                return token(.hexNumber(v))
            }
            while let c = peekByte(), Self.isDigit(c) { advance() }
            if peekByte() == UInt8(ascii: "."), let d = peekByte(1), Self.isDigit(d) {
                advance()
                while let c = peekByte(), Self.isDigit(c) { advance() }
            }
            if let c = peekByte(), Self.isWordByte(c) { throw error(start, "bad number '\(text(from, index + 1))'") }
            return token(.number(text(from, index)))
        }
        if Self.isWordByte(b) {
            while let c = peekByte(), Self.isWordByte(c) { advance() }
            return token(.word(text(from, index)))
        }
        switch b {
        case UInt8(ascii: "\""):
            advance()
            let contentFrom = index
            while let c = peekByte(), c != UInt8(ascii: "\"") {
                if c == UInt8(ascii: "\n") { throw error(start, "string is not closed on its line") }
                if c == UInt8(ascii: "\\") && peekByte(1) != nil && peekByte(1) != UInt8(ascii: "\n") { advance() }
                advance()
            }
            guard peekByte() != nil else { throw error(start, "string is not closed") }
            let content = text(contentFrom, index)
            advance()
            return token(.string(content))
        case UInt8(ascii: "`"):
            advance()
            let contentFrom = index
            while let c = peekByte(), c != UInt8(ascii: "`") { advance() }
            guard peekByte() != nil else { throw error(start, "shell command is not closed by `") }
            let content = text(contentFrom, index)
            advance()
            return token(.backtick(content))
        case UInt8(ascii: "%") where peekByte(1) == UInt8(ascii: "{"):
            advance(); advance()
            let contentFrom = index
            while true {
                guard let c = peekByte() else { throw error(start, "code block is not closed by }%") }
                if c == UInt8(ascii: "}") && peekByte(1) == UInt8(ascii: "%") { break }
                advance()
            }
            let content = text(contentFrom, index)
            advance(); advance()
            return token(.code(content))
        case UInt8(ascii: "-") where peekByte(1) == UInt8(ascii: "-"):
            advance(); advance()
            let nameFrom = index
            while let c = peekByte(), Self.isWordByte(c) || c == UInt8(ascii: "-") { advance() }
            guard index > nameFrom else { throw error(start, "expected an option name after --") }
            let name = text(nameFrom, index)
            guard peekByte() == UInt8(ascii: "=") else { return token(.option(name: name, value: nil)) }
            advance()
            let valueFrom = index
            while let c = peekByte(), c != UInt8(ascii: " "), c != UInt8(ascii: "\t"), c != UInt8(ascii: "\n"),
                c != UInt8(ascii: "\r")
            {
                advance()
            }
            return token(.option(name: name, value: text(valueFrom, index)))
        case UInt8(ascii: ".") where peekByte(1) == UInt8(ascii: ".") && peekByte(2) == UInt8(ascii: "."):
            advance(); advance(); advance()
            return token(.ellipsis)
        default:
            let punctuation = "<>()[]{},:=+-*~|./"
            let scalar = Character(Unicode.Scalar(b))
            guard b < 0x80, punctuation.contains(scalar) else {
                throw error(start, "unexpected character \(b < 0x80 && b >= 0x20 ? "'\(scalar)'" : "byte 0x\(String(b, radix: 16))")")
            }
            advance()
            return token(.punct(scalar))
        }
    }

    /// The raw text up to (not including) the next `close` on this line, consumed with it:
    /// errno explanations such as `(Connection refused)` are free text.
    /// The hex digits after blanks (a TCP Fast Open cookie, `FO abcd1234`), as bytes: [] when there are none,
    /// nil for an odd count.
    mutating func hexBytes() -> [UInt8]? {
        while let c = peekByte(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { advance() }
        var digits: [UInt8] = []
        while let c = peekByte(), c.isHexDigit {
            digits.append(c)
            advance()
        }
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8 {
            c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | 0x20) - UInt8(ascii: "a") + 10
        }
        return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }

    mutating func rawText(until close: UInt8) -> String? {
        let from = index
        while let c = peekByte(), c != close, c != UInt8(ascii: "\n") { advance() }
        guard peekByte() == close else { return nil }
        let content = text(from, index)
        advance()
        return content
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")) || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
