import TCPStack

/// epoll over the engine's sockets, as Linux's `ep_poll_callback` and `tcp_poll` behave for TCP: a descriptor is
/// readable with data, a FIN or an error waiting; writable while the send buffer has room and few enough bytes
/// wait unsent (`HostStack.isWritable`). Level-triggered entries report whenever ready; edge-triggered (EPOLLET) ones only after a wake-up: when they are added, when data, a FIN, an error or the connection arrives.
struct EpollInstance: Hashable {
    struct Entry: Hashable {
        var events: Set<String>
        var edge: Bool
        var pending: Bool
    }
    var entries: [Int: Entry] = [:]
}

extension ScriptRunner {
    static let epollEvents: Set<String> = ["EPOLLIN", "EPOLLOUT", "EPOLLET", "EPOLLRDHUP", "EPOLLERR", "EPOLLHUP"]

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

    /// What `tcp_poll` would report for a descriptor now.
    func readiness(_ d: Descriptor) -> Set<String> {
        var ready: Set<String> = []
        guard let state = stack.state(of: d.socket) else { return ready }
        let readable = stack.readableBytes(of: d.socket) ?? 0
        let peerClosed = stack.peerHasFinished(d.socket) ?? false
        if readable > 0 || peerClosed || state == .closed { ready.insert("EPOLLIN") }
        if peerClosed { ready.insert("EPOLLRDHUP") }
        if stack.error(of: d.socket) != nil { ready.insert("EPOLLERR") }
        switch state {
        case .established, .closeWait:
            if stack.isWritable(d.socket) == true { ready.insert("EPOLLOUT") }
        default: break
        }
        return ready
    }

    /// Engine events wake the edge-triggered entries of their sockets.
    mutating func wakeEpoll(_ events: [SocketEvent]) {
        guard !epolls.isEmpty else { return }
        for event in events {
            let socket: SocketID
            switch event {
            case .readable(let s), .peerClosed(let s), .reset(let s), .connected(let s), .refused(let s), .timedOut(let s):
                socket = s
            case .acceptReady(let l):
                socket = l
            default:
                continue
            }
            guard let fd = fds.first(where: { $0.value.socket == socket })?.key else { continue }
            for key in epolls.keys where epolls[key]!.entries[fd] != nil {
                epolls[key]!.entries[fd]!.pending = true
            }
        }
    }

    mutating func epoll(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        switch call.name {
        case "epoll_create", "epoll_create1":
            var fd = calls.lowestFreeDescriptor(excluding: { epolls[$0] != nil })
            if case .integer(let n) = call.result, n >= 0, fds[Int(n)] == nil, epolls[Int(n)] == nil { fd = Int(n) }
            epolls[fd] = EpollInstance()
            return .value(Int64(fd))
        case "epoll_ctl":
            guard call.arguments.count == 4, let epfd = integerArgument(call, 0), epolls[Int(epfd)] != nil else {
                return .error("EBADF")
            }
            guard case .identifier(let op) = call.arguments[1], let fd = integerArgument(call, 2).map(Int.init) else {
                throw fail(location, "epoll_ctl needs (epfd, EPOLL_CTL_ADD|MOD|DEL, fd, {events=...})")
            }
            guard let d = fds[fd] else { return .error("EBADF") }
            var wanted: Set<String> = []
            if case .structure(let fields) = call.arguments[3], let e = fields.first(where: { $0.name == "events" }) {
                guard let names = flagNames(e.value), names.isSubset(of: Self.epollEvents) else {
                    throw fail(location, "epoll_ctl events must be EPOLLIN, EPOLLOUT, EPOLLET, EPOLLRDHUP, EPOLLERR, EPOLLHUP")
                }
                wanted = names
            }
            switch op {
            case "EPOLL_CTL_ADD", "EPOLL_CTL_MOD":
                if op == "EPOLL_CTL_ADD" && epolls[Int(epfd)]!.entries[fd] != nil { return .error("EEXIST") }
                if op == "EPOLL_CTL_MOD" && epolls[Int(epfd)]!.entries[fd] == nil { return .error("ENOENT") }
                // ep_insert / ep_modify poll the file at once: ready now means queued now.
                let ready = !readiness(d).intersection(wanted).isEmpty
                epolls[Int(epfd)]!.entries[fd] = EpollInstance.Entry(
                    events: wanted.subtracting(["EPOLLET"]), edge: wanted.contains("EPOLLET"), pending: ready)
            case "EPOLL_CTL_DEL":
                guard epolls[Int(epfd)]!.entries.removeValue(forKey: fd) != nil else { return .error("ENOENT") }
            default:
                throw fail(location, "epoll_ctl operation \(op) is not known")
            }
            return .value(0)
        default:  // epoll_wait
            guard let epfd = integerArgument(call, 0), let instance = epolls[Int(epfd)] else { return .error("EBADF") }
            var reported: [(fd: Int, events: Set<String>)] = []
            for fd in instance.entries.keys.sorted() {
                let entry = instance.entries[fd]!
                guard let d = fds[fd] else { continue }
                let ready = readiness(d).intersection(entry.events.union(["EPOLLERR", "EPOLLHUP"]))
                if ready.isEmpty || (entry.edge && !entry.pending) { continue }
                reported.append((fd, ready))
                if entry.edge { epolls[Int(epfd)]!.entries[fd]!.pending = false }
            }
            let maxEvents = Int(integerArgument(call, 2) ?? 1)
            reported = Array(reported.prefix(maxEvents))
            if reported.isEmpty { return .value(0) }
            // The script's expected event: {events=EPOLLIN|EPOLLOUT, fd=4} for the first one reported.
            if case .structure(let fields) = call.arguments[1], let e = fields.first(where: { $0.name == "events" }),
                let expected = flagNames(e.value)
            {
                let actual = reported[0].events
                if expected != actual {
                    throw fail(location, "epoll_wait reported \(actual.sorted().joined(separator: "|"))",
                        expected: expected.sorted().joined(separator: "|"), actual: actual.sorted().joined(separator: "|"))
                }
            }
            return .value(Int64(reported.count))
        }
    }
}
