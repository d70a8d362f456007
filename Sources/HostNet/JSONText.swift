import TCPWire
/// Minimal JSON writing with a fixed key order, so the output is stable and byte-identical between runs.
enum JSONText {
    static func string(_ s: String) -> String { JSONString.quoted(s) }

    static func optional(_ s: String?) -> String { s.map(string) ?? "null" }

    /// `{"k":v,...}` from already-encoded values, in the given order.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// A number with at most `digits` decimals.
    static func number(_ value: Double, digits: Int = 3) -> String {
        guard value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : "\(rounded)"
    }
}
