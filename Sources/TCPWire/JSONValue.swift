/// The one JSON writer behind every `--json` output: a value whose object members keep the order given, so the
/// text is byte-for-byte stable between runs. Keys are snake_case and each top-level object carries `version`.
public indirect enum JSONValue: Sendable {
    /// A string, escaped as RFC 8259 §7 says.
    case string(String)
    /// An integer, printed in decimal.
    case int(Int64)
    /// A number printed with at most `digits` decimals (trailing zeros dropped).
    case number(Double, digits: Int)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`, also what an optional helper writes for nil.
    case null
    /// An array, in the order given.
    case array([JSONValue])
    /// An object whose members keep the order given, so the text is stable.
    case object([(String, JSONValue)])

    /// An integer value from an `Int`.
    public static func int(_ v: Int) -> JSONValue { .int(Int64(v)) }
    /// An integer from any integer type, clamped to 64 bits; `null` for nil.
    public static func int<T: BinaryInteger>(_ v: T?) -> JSONValue { v.map { .int(Int64(clamping: $0)) } ?? .null }
    /// A string, or `null` for nil.
    public static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    /// An array of strings, in the order given.
    public static func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }

    /// One line, no spaces: for JSON-lines output and single objects.
    public var compact: String {
        var out = ""
        write(into: &out, indent: nil)
        return out
    }

    /// Two-space indented text.
    public var pretty: String {
        var out = ""
        write(into: &out, indent: 0)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .string(let s): out += Self.quoted(s)
        case .int(let v): out += String(v)
        case .number(let v, let digits): out += Self.decimal(v, digits: digits) ?? "null"
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            writeContainer(items.map { (nil, $0) }, open: "[", close: "]", into: &out, indent: indent)
        case .object(let members):
            writeContainer(members.map { ($0.0, $0.1) }, open: "{", close: "}", into: &out, indent: indent)
        }
    }

    private func writeContainer(
        _ items: [(String?, JSONValue)], open: String, close: String, into out: inout String, indent: Int?
    ) {
        guard !items.isEmpty else { out += open + close; return }
        out += open
        for (i, (key, value)) in items.enumerated() {
            if let indent { out += "\n" + String(repeating: " ", count: indent + 2) }
            if let key { out += Self.quoted(key) + (indent == nil ? ":" : ": ") }
            value.write(into: &out, indent: indent.map { $0 + 2 })
            if i + 1 < items.count { out += "," }
        }
        if let indent { out += "\n" + String(repeating: " ", count: indent) }
        out += close
    }

    /// A string literal (RFC 8259 §7).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `value` rounded to `digits` decimals, without trailing zeros; nil for NaN and infinities (JSON has none).
    public static func decimal(_ value: Double, digits: Int) -> String? {
        guard value.isFinite else { return nil }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : "\(rounded)"
    }
}
