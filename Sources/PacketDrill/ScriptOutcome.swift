/// Why a script failed: the line, what was expected, what happened, and the engine's state at that moment.
public struct ScriptFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var expected: String?
    public var actual: String?
    /// One line per open descriptor, e.g. `fd 4: ESTABLISHED snd.una=1 snd.nxt=1 rcv.nxt=1`.
    public var engineState: [String]

    public init(location: SourceLocation, message: String, expected: String? = nil, actual: String? = nil, engineState: [String] = []) {
        self.location = location
        self.message = message
        self.expected = expected
        self.actual = actual
        self.engineState = engineState
    }

    public var description: String {
        var lines = ["line \(location.line): \(message)"]
        if let expected { lines.append("  expected: \(expected)") }
        if let actual { lines.append("  actual:   \(actual)") }
        for state in engineState { lines.append("  engine:   \(state)") }
        return lines.joined(separator: "\n")
    }
}

/// The result of running one script.
public struct ScriptOutcome: Hashable, Sendable {
    public var file: String
    public var personality: String
    public var failure: ScriptFailure?
    /// Shell lines and code blocks skipped under `allowUnsupported`.
    public var skippedUnsupported: Int
    /// What was skipped, by name: shell commands, sysctls (`name=value: why`), code blocks.
    public var unsupported: [String] = []
    public var passed: Bool { failure == nil }
}

/// The class of a failure, for corpus summaries: the message with its numbers, times and names taken out,
/// e.g. `outbound packet differs: flags`, `outbound packet late`, `getsockopt SO_ERROR`.
public enum FailureClass {
    public static func of(_ failure: ScriptFailure) -> String { of(message: failure.message) }

    public static func of(message: String) -> String {
        let kinds: [(prefix: String, words: Int)] = [
            ("outbound packet differs:", 4), ("unsupported:", 3), ("code block cannot be checked", 5),
            ("assert ", 2), ("getsockopt ", 2),
        ]
        for (prefix, words) in kinds where message.hasPrefix(prefix) {
            return message.split(separator: " ").prefix(words).joined(separator: " ")
                .trimmingSuffix(while: { $0 == "," || $0 == ":" })
        }
        // `read returned -1 EAGAIN` -> `read returned`; `outbound packet late: sent at ...` -> `outbound packet late`.
        let head = message.split(separator: ":").first.map(String.init) ?? message
        let stops: Set<Substring> = ["at", "before", "after", "by"]
        return head.split(separator: " ")
            .prefix(while: { w in !w.contains(where: \.isNumber) && !w.hasPrefix("-") && !stops.contains(w) })
            .prefix(4).joined(separator: " ")
    }
}

extension String {
    fileprivate func trimmingSuffix(while drop: (Character) -> Bool) -> String {
        var s = self
        while let last = s.last, drop(last) { s.removeLast() }
        return s
    }
}
