import TCPStack

/// epoll lines of a script, run by the shared layer (SocketCalls+Epoll.swift): the runner parses the names and
/// checks what was reported.
extension ScriptRunner {
    /// epoll event names and their bits (EPOLLET is the entry's trigger mode).
    static let epollNames: [String: SocketCalls.Readiness] = [
        "EPOLLIN": .input, "EPOLLOUT": .output, "EPOLLRDHUP": .readHangUp, "EPOLLERR": .error, "EPOLLHUP": .hangUp,
    ]
    static let epollEvents: Set<String> = Set(epollNames.keys).union(["EPOLLET"])

    /// The names in `EPOLLIN|EPOLLOUT`, or [] for 0.
    func flagNames(_ e: ScriptExpression) -> Set<String>? {
        switch e {
        case .integer(0): return []
        case .identifier(let n): return [n]
        case .bitOr(let l, let r):
            guard let a = flagNames(l), let b = flagNames(r) else { return nil }
            return a.union(b)
        default: return nil
        }
    }

    /// The bits of known names.
    static func readiness(_ names: Set<String>, in table: [String: SocketCalls.Readiness]) -> SocketCalls.Readiness {
        names.reduce(into: []) { bits, name in bits.formUnion(table[name] ?? []) }
    }

    /// The names of `bits`.
    static func names(_ bits: SocketCalls.Readiness, in table: [String: SocketCalls.Readiness]) -> Set<String> {
        Set(table.filter { bits.contains($0.value) }.keys)
    }

    mutating func epoll(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        switch call.name {
        case "epoll_create", "epoll_create1":
            var number: Int?
            if case .integer(let n) = call.result, n >= 0, fds[Int(n)] == nil, epolls[Int(n)] == nil { number = Int(n) }
            return .value(Int64(calls.epollCreate(number: number)))
        case "epoll_ctl":
            guard call.arguments.count == 4, let epfd = integerArgument(call, 0), epolls[Int(epfd)] != nil else {
                return .error("EBADF")
            }
            guard case .identifier(let op) = call.arguments[1], let fd = integerArgument(call, 2).map(Int.init) else {
                throw fail(location, "epoll_ctl needs (epfd, EPOLL_CTL_ADD|MOD|DEL, fd, {events=...})")
            }
            guard fds[fd] != nil else { return .error("EBADF") }
            var wanted: Set<String> = []
            if case .structure(let fields) = call.arguments[3], let e = fields.first(where: { $0.name == "events" }) {
                guard let names = flagNames(e.value), names.isSubset(of: Self.epollEvents) else {
                    throw fail(location, "epoll_ctl events must be EPOLLIN, EPOLLOUT, EPOLLET, EPOLLRDHUP, EPOLLERR, EPOLLHUP")
                }
                wanted = names
            }
            let operation: SocketCalls.EpollOperation
            switch op {
            case "EPOLL_CTL_ADD": operation = .add
            case "EPOLL_CTL_MOD": operation = .modify
            case "EPOLL_CTL_DEL": operation = .delete
            default: throw fail(location, "epoll_ctl operation \(op) is not known")
            }
            let events = Self.readiness(wanted, in: Self.epollNames)
            return CallResult { () throws(SocketCallError) in
                try calls.epollControl(Int(epfd), operation, fd, events: events, edgeTriggered: wanted.contains("EPOLLET"),
                    data: UInt64(fd))
                return 0
            }
        default:  // epoll_wait
            guard let epfd = integerArgument(call, 0), epolls[Int(epfd)] != nil else { return .error("EBADF") }
            let maxEvents = Int(integerArgument(call, 2) ?? 1)
            let reported: [SocketCalls.EpollReport]
            do throws(SocketCallError) { reported = try calls.epollWait(Int(epfd), maxEvents: maxEvents) } catch {
                return CallResult(error)
            }
            if reported.isEmpty { return .value(0) }
            // The script's expected event: {events=EPOLLIN|EPOLLOUT, fd=4} for the first one reported.
            if case .structure(let fields) = call.arguments[1], let e = fields.first(where: { $0.name == "events" }),
                let expected = flagNames(e.value)
            {
                let actual = Self.names(reported[0].events, in: Self.epollNames)
                if expected != actual {
                    throw fail(location, "epoll_wait reported \(actual.sorted().joined(separator: "|"))",
                        expected: expected.sorted().joined(separator: "|"), actual: actual.sorted().joined(separator: "|"))
                }
            }
            return .value(Int64(reported.count))
        }
    }
}
