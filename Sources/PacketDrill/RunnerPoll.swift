import TCPStack

/// poll lines of a script, answered by the shared layer (`SocketCalls.poll`): an entry's revents are what
/// `tcp_poll` reports for its events, POLLERR and POLLHUP whether asked or not; with none ready the call blocks until
/// one is (a zero timeout returns 0 at once).
extension ScriptRunner {
    /// poll event names and their bits.
    static let pollNames: [String: SocketCalls.Readiness] = [
        "POLLIN": .input, "POLLOUT": .output, "POLLRDHUP": .readHangUp, "POLLERR": .error, "POLLHUP": .hangUp,
        "POLLNVAL": .invalid,
    ]
    /// The names a script may ask for.
    static let pollEvents: Set<String> = ["POLLIN", "POLLOUT", "POLLRDHUP", "POLLERR", "POLLHUP"]

    mutating func poll(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 3, case .array(let items) = call.arguments[0] else {
            throw fail(location, "poll needs ([{fd=N, events=..., revents=...}], nfds, timeout)")
        }
        var entries: [SocketCalls.PollEntry] = []
        var expectedRevents: [Set<String>?] = []
        for item in items {
            guard case .structure(let fields) = item, let fd = fields.first(where: { $0.name == "fd" })?.value.integerValue,
                let wanted = fields.first(where: { $0.name == "events" }).flatMap({ flagNames($0.value) }),
                wanted.isSubset(of: Self.pollEvents)
            else { throw fail(location, "poll entries are {fd=N, events=POLLIN|POLLOUT|..., revents=...}") }
            entries.append(SocketCalls.PollEntry(fd: Int(fd), events: Self.readiness(wanted, in: Self.pollNames)))
            expectedRevents.append(fields.first(where: { $0.name == "revents" }).flatMap { flagNames($0.value) })
        }
        let revents = calls.poll(entries)
        let ready = revents.filter { !$0.isEmpty }.count
        if ready == 0 { return (integerArgument(call, 2) ?? 0) == 0 ? .value(0) : .blocked }
        for (i, bits) in revents.enumerated() {
            let actual = Self.names(bits, in: Self.pollNames)
            if let expected = expectedRevents[i], expected != actual {
                let text = { (s: Set<String>) in s.isEmpty ? "0" : s.sorted().joined(separator: "|") }
                throw fail(location, "poll reported revents \(text(actual)) for fd \(entries[i].fd)", expected: text(expected),
                    actual: text(actual))
            }
        }
        return .value(Int64(ready))
    }
}
