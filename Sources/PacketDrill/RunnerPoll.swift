import TCPStack

/// poll(2) over the engine's sockets: an entry's revents are what `tcp_poll` reports for its events (the readiness
/// epoll uses), POLLERR and POLLHUP whether asked or not; with none ready the call blocks until one is (a zero
/// timeout returns 0 at once).
extension ScriptRunner {
    /// poll names and the epoll names `readiness` reports.
    static let pollEvents: [String: String] = [
        "POLLIN": "EPOLLIN", "POLLOUT": "EPOLLOUT", "POLLRDHUP": "EPOLLRDHUP", "POLLERR": "EPOLLERR", "POLLHUP": "EPOLLHUP",
    ]

    mutating func poll(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 3, case .array(let items) = call.arguments[0] else {
            throw fail(location, "poll needs ([{fd=N, events=..., revents=...}], nfds, timeout)")
        }
        var ready = 0
        var mismatch: (fd: Int, expected: Set<String>, actual: Set<String>)?
        for item in items {
            guard case .structure(let fields) = item, let fd = fields.first(where: { $0.name == "fd" })?.value.integerValue,
                let wanted = fields.first(where: { $0.name == "events" }).flatMap({ flagNames($0.value) }),
                wanted.isSubset(of: Self.pollEvents.keys)
            else { throw fail(location, "poll entries are {fd=N, events=POLLIN|POLLOUT|..., revents=...}") }
            let asked = Set(wanted.union(["POLLERR", "POLLHUP"]).compactMap { Self.pollEvents[$0] })
            let actualEpoll = fds[Int(fd)].map { readiness($0).intersection(asked) } ?? []
            let actual = Set(Self.pollEvents.filter { actualEpoll.contains($0.value) }.keys)
            if !actual.isEmpty { ready += 1 }
            if let r = fields.first(where: { $0.name == "revents" }), let expected = flagNames(r.value), expected != actual,
                mismatch == nil
            {
                mismatch = (Int(fd), expected, actual)
            }
        }
        if ready == 0 { return (integerArgument(call, 2) ?? 0) == 0 ? .value(0) : .blocked }
        if let m = mismatch {
            let text = { (s: Set<String>) in s.isEmpty ? "0" : s.sorted().joined(separator: "|") }
            throw fail(location, "poll reported revents \(text(m.actual)) for fd \(m.fd)", expected: text(m.expected),
                actual: text(m.actual))
        }
        return .value(Int64(ready))
    }
}
