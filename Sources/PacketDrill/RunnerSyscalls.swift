import TCPStack
import TCPWire

/// What a socket call returned: a value, or -1 with an errno name.
enum CallResult: Equatable {
    case value(Int64)
    case error(String)
    /// The call would block: it finishes later (blocking descriptor) or fails with EAGAIN.
    case blocked

    var text: String {
        switch self {
        case .value(let v): "\(v)"
        case .error(let e): "-1 \(e)"
        case .blocked: "still blocked"
        }
    }

    /// What a call of the shared layer (`SocketCalls`) returned, in the runner's terms.
    init(_ body: () throws(SocketCallError) -> Int64) {
        do throws(SocketCallError) { self = .value(try body()) } catch { self = CallResult(error) }
    }

    /// A failed call of the shared layer, in the runner's terms.
    init(_ error: SocketCallError) {
        switch error {
        case .wouldBlock: self = .blocked
        case .failed(let errno): self = .error(errno.name)
        }
    }
}

extension ScriptRunner {
    /// packetdrill resolves a blocking call's end time as it resolves its start: `+0.1...0.3` is 0.1 and 0.3 after
    /// the previous event (run.c), `1.0...1.2` absolute; `...+0.2` is 0.2 after the start.
    func blockingEnd(_ event: ScriptEvent, previousEvent: Int64) -> Int64? {
        guard let end = event.blockingEnd else { return nil }
        if end.relative { return now + end.microseconds }
        if case .at(let start) = event.time, start.relative { return previousEvent + end.microseconds }
        return end.microseconds
    }

    mutating func startCall(_ call: SyscallSpec, event: ScriptEvent, previousEvent: Int64) throws(ScriptFailure) {
        if let p = pending {
            throw fail(event.location, "\(call.name) issued while \(p.call.name) from line \(p.event.location.line) is still blocked")
        }
        let fd = fdArgument(call)
        if let fd, fds[fd] != nil { lastSocketFD = fd }
        let result = try perform(call, at: event.location)
        if call.name == "socket" || call.name == "accept", case .value(let newFD) = result { lastSocketFD = Int(newFD) }
        let blocking = call.name == "poll"
            || (fd.flatMap { fds[$0] }.map { !$0.nonBlocking } ?? false) && !messageFlags(call).contains("MSG_DONTWAIT")
        if result == .blocked && blocking {
            let end = blockingEnd(event, previousEvent: previousEvent) ?? now
            pending = PendingCall(event: event, call: call, fd: fd ?? -1, earliest: end - tolerance, latest: end + tolerance)
            return
        }
        // `+0...0.000`: a blocking call that may return at once (its end is its start, within the tolerance).
        if let end = blockingEnd(event, previousEvent: previousEvent), end > now + tolerance {
            throw fail(event.location, "\(call.name) returned at once, the script expects it to block",
                expected: expectedText(call), actual: result.text)
        }
        try check(call, result == .blocked ? wouldBlockError(call) : result, at: event.location)
    }

    func wouldBlockError(_ call: SyscallSpec) -> CallResult {
        call.name == "connect" ? .error("EINPROGRESS") : .error("EAGAIN")
    }

    /// Re-runs a blocked call after the stack has moved; checks it when it completes.
    mutating func retryPending() throws(ScriptFailure) {
        guard let p = pending else { return }
        let result: CallResult
        if p.call.name == "connect" {
            result = connectProgress(p.fd)
        } else {
            result = try perform(p.call, at: p.event.location)
        }
        if result == .blocked {
            if now > p.latest {
                throw fail(p.event.location, "\(p.call.name) still blocked at \(seconds(now)) s, expected it to return by \(seconds(p.latest)) s")
            }
            return
        }
        pending = nil
        if now < p.earliest {
            throw fail(p.event.location, "\(p.call.name) returned early, at \(seconds(now)) s (expected \(seconds(p.earliest + tolerance)) s)",
                expected: expectedText(p.call), actual: result.text)
        }
        try check(p.call, result, at: p.event.location)
    }

    func connectProgress(_ fd: Int) -> CallResult {
        CallResult { () throws(SocketCallError) in try calls.connectProgress(fd); return 0 }
    }

    func expectedText(_ call: SyscallSpec) -> String {
        var text = "\(call.name)(...) = \(expressionText(call.result))"
        if let e = call.errno { text += " \(e)" }
        return text
    }

    func expressionText(_ e: ScriptExpression) -> String {
        switch e {
        case .integer(let v): "\(v)"
        case .identifier(let s): s
        case .string(let s): "\"\(s)\""
        case .ellipsis: "..."
        case .array(let items): "[" + items.map(expressionText).joined(separator: ", ") + "]"
        case .structure(let fields): "{" + fields.map { ($0.name.map { "\($0)=" } ?? "") + expressionText($0.value) }.joined(separator: ", ") + "}"
        case .bitOr(let l, let r): expressionText(l) + "|" + expressionText(r)
        case .call(let name, let args): name + "(" + args.map(expressionText).joined(separator: ", ") + ")"
        }
    }

    func check(_ call: SyscallSpec, _ result: CallResult, at location: SourceLocation) throws(ScriptFailure) {
        let matches: Bool
        switch (call.result, result) {
        case (.ellipsis, _): matches = true
        case (.integer(-1), .error(let e)): matches = call.errno == nil || Self.sameErrno(call.errno!, e)
        case (.integer(let v), .value(let a)): matches = v == a && call.errno == nil
        default: matches = false
        }
        if !matches {
            throw fail(location, "\(call.name) returned \(result.text)", expected: expectedText(call), actual: "\(call.name)(...) = \(result.text)")
        }
    }

    /// EWOULDBLOCK is EAGAIN on Linux and FreeBSD (both 11 / 35 for both names).
    static func sameErrno(_ a: String, _ b: String) -> Bool {
        func canonical(_ e: String) -> String { e == "EWOULDBLOCK" ? "EAGAIN" : e }
        return canonical(a) == canonical(b)
    }

    func fdArgument(_ call: SyscallSpec) -> Int? {
        guard call.name != "socket", let first = call.arguments.first, case .integer(let v) = first else { return nil }
        return Int(v)
    }

    func integerArgument(_ call: SyscallSpec, _ index: Int) -> Int64? {
        guard index < call.arguments.count else { return nil }
        switch call.arguments[index] {
        case .integer(let v): return v
        case .array(let items) where items.count == 1: return items[0].integerValue
        default: return nil
        }
    }

    mutating func descriptor(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> (Int, Descriptor)? {
        guard let fd = fdArgument(call) else { throw fail(location, "\(call.name) needs a descriptor number first") }
        guard let d = fds[fd] else { return nil }
        return (fd, d)
    }

    /// The script's number for a new descriptor: packetdrill maps the number a `socket` or `accept` line expects
    /// onto the live one, so a script may number them as it likes; without one, the lowest free from 3.
    func newDescriptor(for call: SyscallSpec) -> Int {
        if case .integer(let n) = call.result, n >= 0, n < 1 << 20, fds[Int(n)] == nil, epolls[Int(n)] == nil,
            scriptFiles.descriptors[Int(n)] == nil
        {
            return Int(n)
        }
        return calls.lowestFreeDescriptor(excluding: { epolls[$0] != nil || scriptFiles.descriptors[$0] != nil })
    }

    /// Runs one socket call against the stack.
    mutating func perform(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        let instant = Instant(nanoseconds: now * 1000)
        if call.name == "socket" {
            if let refused = socketProtocolError(call) { return .error(refused.name) }
            tsBaseline = nil  // packetdrill maps TS val per socket, from the first one a socket sends
            // SOCK_NONBLOCK in the type is O_NONBLOCK from the start (socket(2)).
            let nonBlocking = call.arguments.count > 1 && Self.mentions(call.arguments[1], "SOCK_NONBLOCK")
            return .value(Int64(calls.socket(nonBlocking: nonBlocking, number: newDescriptor(for: call))))
        }
        if call.name.hasPrefix("epoll_") { return try epoll(call, at: location) }
        if call.name == "poll" { return try poll(call, at: location) }
        if call.name == "close", let fd = fdArgument(call), epolls.removeValue(forKey: fd) != nil { return .value(0) }
        if let handled = try fileCall(call, at: location) { return handled }
        guard let (fd, d) = try descriptor(call, at: location) else { return .error("EBADF") }
        defer { collect() }
        if let handled = try reportingCall(call, fd: fd, socket: d.socket, at: location) { return handled }
        if call.name == "ioctl" { return try ioctl(call, fd: fd, at: location) }
        if let early = try bufferCall(call, socket: d.socket, at: location) { return early }
        var how = ShutdownHow.both
        switch call.name {
        case "fcntl": return try fcntl(call, fd: fd, at: location)
        case "setsockopt": return try setsockopt(call, fd: fd, at: location)
        case "getsockopt": return try getsockopt(call, fd: fd, at: location)
        case "shutdown":
            switch call.arguments.count > 1 ? call.arguments[1] : .ellipsis {
            case .identifier("SHUT_RD"): how = .read
            case .identifier("SHUT_WR"): how = .write
            case .identifier("SHUT_RDWR"): how = .both
            default: throw fail(location, "shutdown needs SHUT_RD, SHUT_WR or SHUT_RDWR")
            }
        default: break
        }
        switch call.name {
        case "bind":
            return CallResult { () throws(SocketCallError) in try calls.bind(fd, to: Endpoint(local, bindPort)); return 0 }
        case "listen":
            return CallResult { () throws(SocketCallError) in
                try calls.listen(fd, backlog: Int(integerArgument(call, 1) ?? 128))
                return 0
            }
        case "accept":
            let number = newDescriptor(for: call)
            return CallResult { () throws(SocketCallError) in Int64(try calls.accept(fd, number: number)) }
        case "connect":
            let started = CallResult { () throws(SocketCallError) in
                try calls.connect(fd, to: Endpoint(remote, connectPort), now: instant)
                return 0
            }
            guard started == .value(0) else { return started }
            collect()
            return connectProgress(fd)
        case "read", "recv", "recvfrom":
            let peek = messageFlags(call).contains("MSG_PEEK")
            return CallResult { () throws(SocketCallError) in
                Int64(try calls.receive(fd, maxBytes: Int(integerArgument(call, 2) ?? 0), peek: peek, now: instant).count)
            }
        case "write", "send", "sendto", "sendmsg":
            let n = call.name == "sendmsg" ? messageLength(call.arguments[1]) : Int(integerArgument(call, 2) ?? 0)
            let flags = sendFlags(call)
            return CallResult { () throws(SocketCallError) in
                Int64(try calls.send(fd, [UInt8](repeating: 0, count: n), flags: flags, now: instant))
            }
        case "close":
            return CallResult { () throws(SocketCallError) in try calls.close(fd, now: instant); return 0 }
        case "shutdown":
            return CallResult { () throws(SocketCallError) in try calls.shutdown(fd, how, now: instant); return 0 }
        default:
            // The parser admits only the calls handled here.
            return .error("ENOSYS")
        }
    }

    mutating func fcntl(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard case .identifier(let command) = call.arguments[1] else { throw fail(location, "fcntl needs F_GETFL or F_SETFL") }
        if command == "F_GETFL" {
            return CallResult { () throws(SocketCallError) in Int64(try calls.statusFlags(fd).rawValue) }
        }
        guard call.arguments.count == 3 else { throw fail(location, "fcntl F_SETFL needs flags") }
        var names: [String] = []
        var flags = call.arguments[2]
        while case .bitOr(let l, .identifier(let n)) = flags {
            names.append(n)
            flags = l
        }
        if case .identifier(let n) = flags { names.append(n) }
        for n in names where n != "O_RDWR" && n != "O_NONBLOCK" {
            throw fail(location, "fcntl flag \(n) is not supported (O_RDWR, O_NONBLOCK)")
        }
        let status: SocketCalls.StatusFlags = names.contains("O_NONBLOCK") ? [.readWrite, .nonBlocking] : .readWrite
        return CallResult { () throws(SocketCallError) in try calls.setStatusFlags(fd, status); return 0 }
    }

    func optionName(_ call: SyscallSpec) -> String {
        if case .identifier(let name) = call.arguments[2] { return name }
        return "?"
    }

    mutating func setsockopt(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        if let handled = try reportingOption(call, fd: fd, at: location) { return handled }
        if let handled = try noOptionsOption(call, fd: fd, at: location) { return handled }
        let option: SocketOption
        switch optionName(call) {
        case "SO_REUSEADDR":
            option = .reuseAddress((integerArgument(call, 3) ?? 0) != 0)
        case "SO_LINGER":
            guard case .structure(let fields) = call.arguments[3], fields.count == 2,
                let on = fields[0].value.integerValue, let seconds = fields[1].value.integerValue
            else { throw fail(location, "SO_LINGER needs {l_onoff=N, l_linger=N}") }
            option = .linger(on: on != 0, seconds: Int(seconds))
        case "TCP_MAXSEG", "SO_RCVBUF", "SO_SNDBUF", "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
            "TCP_USER_TIMEOUT", "TCP_NODELAY", "TCP_CORK", "TCP_NOTSENT_LOWAT", "IP_BIND_ADDRESS_NO_PORT", "IP_LOCAL_PORT_RANGE",
            "TCP_KEEPINIT", "IP_TTL", "IP_TOS", "IPV6_UNICAST_HOPS", "IPV6_TCLASS":
            guard let value = integerArgument(call, 3) ?? ipHeaderConstant(call, 3) else { throw fail(location, "\(optionName(call)) needs [N]") }
            option = SocketOption(SocketOptionName(linuxName: optionName(call))!, integer: value)!
        case "TCP_CONGESTION":
            guard case .string(let name) = call.arguments[3] else { throw fail(location, "TCP_CONGESTION needs \"name\"") }
            option = .congestionControl(name)
        default:
            throw fail(location, "the engine has no \(optionName(call)) to set")
        }
        let instant = Instant(nanoseconds: now * 1000)
        return CallResult { () throws(SocketCallError) in try calls.setOption(fd, option, now: instant); return 0 }
    }

    mutating func getsockopt(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        if let handled = try reportingOption(call, fd: fd, at: location) { return handled }
        if let handled = try noOptionsOption(call, fd: fd, at: location) { return handled }
        let actual: String
        switch optionName(call) {
        case "SO_ERROR", "SO_REUSEADDR", "SO_RCVBUF", "SO_SNDBUF", "TCP_MAXSEG", "SO_KEEPALIVE", "TCP_KEEPIDLE",
            "TCP_KEEPINTVL", "TCP_KEEPCNT", "TCP_USER_TIMEOUT", "TCP_CORK", "TCP_NOTSENT_LOWAT", "IP_BIND_ADDRESS_NO_PORT",
            "IP_LOCAL_PORT_RANGE", "TCP_KEEPINIT", "IP_TTL", "IP_TOS", "IPV6_UNICAST_HOPS", "IPV6_TCLASS":
            switch try? calls.option(SocketOptionName(linuxName: optionName(call))!, of: fd) {
            case .error(let errno)?: actual = errno?.name ?? "0"
            case let value?: actual = "\(value.integerValue ?? 0)"
            case nil: actual = "0"
            }
        case "TCP_CONGESTION":
            guard case .string(let expected) = call.arguments[3] else { throw fail(location, "TCP_CONGESTION expects \"name\"") }
            var name = ""
            if case .congestionControl(let current)? = try? calls.option(.congestionControl, of: fd) { name = current }
            if expected != name { throw fail(location, "getsockopt TCP_CONGESTION gave \"\(name)\"", expected: expected, actual: name) }
            return .value(0)
        default: throw fail(location, "the engine has no \(optionName(call)) to read")
        }
        var expected = ""
        switch call.arguments[3] {
        case .ellipsis: return .value(0)
        case .array(let items) where items.count == 1:
            switch items[0] {
            case .integer(let v): expected = "\(v)"
            case .identifier(let name): expected = name
            default: throw fail(location, "getsockopt expects its value as [N] or [ENAME]")
            }
        default: throw fail(location, "getsockopt expects its value as [N] or [ENAME]")
        }
        if expected != actual {
            throw fail(location, "getsockopt \(optionName(call)) gave [\(actual)]", expected: "[\(expected)]", actual: "[\(actual)]")
        }
        return .value(0)
    }
}

extension ScriptRunner {
    /// The flags argument of send/recv/sendto/recvfrom/sendmsg, as names (`0` when none).
    func messageFlags(_ call: SyscallSpec) -> [String] {
        let index: Int
        switch call.name {
        case "send", "recv", "sendto", "recvfrom": index = 3
        case "sendmsg", "recvmsg": index = 2
        default: return []
        }
        guard index < call.arguments.count else { return [] }
        var names: [String] = []
        var e = call.arguments[index]
        while case .bitOr(let l, let r) = e {
            if case .identifier(let n) = r { names.append(n) }
            e = l
        }
        switch e {
        case .identifier(let n): names.append(n)
        case .integer(0): break
        case .integer(let v): names.append("\(v)")
        default: break
        }
        return names
    }

    func isNull(_ e: ScriptExpression) -> Bool { e == .identifier("NULL") }

    /// What a data call decides before the engine sees it: flags we do not model fail the script; a NULL buffer is
    /// EFAULT once there is something to copy.
    mutating func bufferCall(_ call: SyscallSpec, socket: SocketID, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        switch call.name {
        case "read", "recv", "recvfrom":
            let n = Int(integerArgument(call, 2) ?? 0)
            let flags = messageFlags(call)
            if let bad = flags.first(where: { !["MSG_PEEK", "MSG_DONTWAIT", "MSG_TRUNC"].contains($0) }) {
                throw fail(location, "\(call.name) flag \(bad) is not modelled by the engine")
            }
            let waiting = stack.readableBytes(of: socket) ?? 0
            if call.arguments.count > 1 && isNull(call.arguments[1]) && n > 0 && waiting > 0 { return .error("EFAULT") }
            return nil
        case "write", "send", "sendto", "sendmsg":
            if let bad = messageFlags(call).first(where: { !Self.sendFlagNames.contains($0) }) {
                throw fail(location, "\(call.name) flag \(bad) is not modelled by the engine")
            }
            let n = call.name == "sendmsg" ? messageLength(call.arguments[1]) : Int(integerArgument(call, 2) ?? 0)
            if call.name != "sendmsg" && call.arguments.count > 1 && isNull(call.arguments[1]) && n > 0 {
                return .error("EFAULT")
            }
            return nil
        default:
            return nil
        }
    }

    /// The bytes a sendmsg carries: the sum of its `msg_iov` lengths.
    func messageLength(_ e: ScriptExpression) -> Int {
        guard case .structure(let fields) = e, let iov = fields.first(where: { $0.name == "msg_iov" }),
            case .array(let items) = iov.value
        else { return 0 }
        return items.reduce(0) { total, item in
            guard case .structure(let parts) = item, let length = parts.last?.value.integerValue else { return total }
            return total + Int(length)
        }
    }

    /// ioctl SIOCINQ / FIONREAD (bytes to read) and SIOCOUTQ (bytes not yet acknowledged), checked like getsockopt.
    mutating func ioctl(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 3, case .identifier(let request) = call.arguments[1] else {
            throw fail(location, "ioctl needs (fd, REQUEST, [N])")
        }
        let queue: SocketCalls.QueueRequest
        switch request {
        case "SIOCINQ", "FIONREAD": queue = .inQueue
        case "SIOCOUTQ": queue = .outQueue
        default: throw fail(location, "ioctl \(request) is not modelled (SIOCINQ, FIONREAD, SIOCOUTQ)")
        }
        let actual: Int
        do throws(SocketCallError) { actual = try calls.queuedBytes(fd, queue) } catch { return CallResult(error) }
        guard case .array(let items) = call.arguments[2], items.count == 1, let expected = items[0].integerValue else {
            return .value(0)
        }
        if expected != Int64(actual) {
            throw fail(location, "ioctl \(request) gave [\(actual)]", expected: "[\(expected)]", actual: "[\(actual)]")
        }
        return .value(0)
    }
}
