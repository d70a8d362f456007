import TCPStack
import TCPWire

/// recvmsg with its control messages, and the options behind them: TCP_INQ (TCP_CM_INQ), SO_TIMESTAMPING and
/// SO_ZEROCOPY (the error queue, read with MSG_ERRQUEUE), and sends with MSG_ZEROCOPY. Control messages are
/// compared as packetdrill's run_system_call.c compares them: in order, level, type and data; timestamps relative
/// to the script's start, within the tolerance.
extension ScriptRunner {
    /// One control message: level, type and its data, either a number or named fields.
    struct ControlMessage: Equatable {
        var level: Int64
        var type: Int64
        var data: ControlData
    }

    enum ControlData: Equatable {
        case integer(Int64)
        /// `scm_timestamping.ts[0]`, in nanoseconds from the script's start.
        case timestamp(nanoseconds: Int64)
        /// `sock_extended_err`.
        case extendedError(errno: Int64, origin: Int64, type: Int64, code: Int64, info: Int64, data: Int64)
    }

    /// Linux values of the names these calls use (uapi socket.h, in.h, in6.h, tcp.h, errqueue.h, asm errno.h).
    static let controlConstants: [String: Int64] = [
        "SOL_IP": 0, "IPPROTO_IP": 0, "SOL_SOCKET": 1, "SOL_TCP": 6, "IPPROTO_TCP": 6, "SOL_IPV6": 41,
        "IPPROTO_IPV6": 41, "TCP_CM_INQ": 36, "TCP_INQ": 36, "SCM_TIMESTAMPING": 37, "SO_TIMESTAMPING": 37,
        "IP_RECVERR": 11, "IPV6_RECVERR": 25, "ENOMSG": 42, "SO_EE_ORIGIN_NONE": 0, "SO_EE_ORIGIN_LOCAL": 1,
        "SO_EE_ORIGIN_ICMP": 2, "SO_EE_ORIGIN_ICMP6": 3, "SO_EE_ORIGIN_TIMESTAMPING": 4, "SO_EE_ORIGIN_TXSTATUS": 4,
        "SO_EE_ORIGIN_ZEROCOPY": 5, "SO_EE_ORIGIN_TXTIME": 6, "SCM_TSTAMP_SND": 0, "SCM_TSTAMP_SCHED": 1,
        "SCM_TSTAMP_ACK": 2, "SO_EE_CODE_ZEROCOPY_COPIED": 1,
    ]

    /// SOF_TIMESTAMPING_* names.
    static let timestampingNames: [String: TimestampingFlags] = [
        "SOF_TIMESTAMPING_TX_HARDWARE": .txHardware, "SOF_TIMESTAMPING_TX_SOFTWARE": .txSoftware,
        "SOF_TIMESTAMPING_RX_HARDWARE": .rxHardware, "SOF_TIMESTAMPING_RX_SOFTWARE": .rxSoftware,
        "SOF_TIMESTAMPING_SOFTWARE": .software, "SOF_TIMESTAMPING_SYS_HARDWARE": .sysHardware,
        "SOF_TIMESTAMPING_RAW_HARDWARE": .rawHardware, "SOF_TIMESTAMPING_OPT_ID": .optID,
        "SOF_TIMESTAMPING_TX_SCHED": .txSched, "SOF_TIMESTAMPING_TX_ACK": .txAck,
        "SOF_TIMESTAMPING_OPT_CMSG": .optCmsg, "SOF_TIMESTAMPING_OPT_TSONLY": .optTSOnly,
        "SOF_TIMESTAMPING_OPT_STATS": .optStats, "SOF_TIMESTAMPING_OPT_PKTINFO": .optPktinfo,
        "SOF_TIMESTAMPING_OPT_TX_SWHW": .optTxSWHW, "SOF_TIMESTAMPING_BIND_PHC": .bindPHC,
        "SOF_TIMESTAMPING_OPT_ID_TCP": .optIDTCP, "SOF_TIMESTAMPING_OPT_RX_FILTER": .optRxFilter,
        "SOF_TIMESTAMPING_TX_COMPLETION": .txCompletion,
    ]

    // MARK: options

    /// TCP_INQ, SO_ZEROCOPY, SO_TIMESTAMPING, IP_FREEBIND and TCP_FASTOPEN_CONNECT, through the shared layer; nil for
    /// other options.
    mutating func reportingOption(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        let name = optionName(call)
        guard ["TCP_INQ", "SO_ZEROCOPY", "SO_TIMESTAMPING", "IP_FREEBIND", "TCP_FASTOPEN_CONNECT"].contains(name),
            let option = SocketOptionName(linuxName: name)
        else { return nil }
        if call.name == "getsockopt" {
            let actual = (try? calls.option(option, of: fd))?.integerValue ?? 0
            guard case .array(let items) = call.arguments[3], items.count == 1 else { return .value(0) }
            let expected = name == "SO_TIMESTAMPING" ? timestampingFlags(items[0]).map { Int64($0.rawValue) } : items[0].integerValue
            guard let expected else { throw fail(location, "getsockopt \(name) expects [N]") }
            if expected != actual {
                throw fail(location, "getsockopt \(name) gave [\(actual)]", expected: "[\(expected)]", actual: "[\(actual)]")
            }
            return .value(0)
        }
        guard case .array(let items) = call.arguments[3], items.count == 1 else { throw fail(location, "\(name) needs [value]") }
        let value = name == "SO_TIMESTAMPING" ? timestampingFlags(items[0]).map { Int64($0.rawValue) } : items[0].integerValue
        guard let value else { throw fail(location, "\(name) needs [N]\(name == "SO_TIMESTAMPING" ? " or SOF_TIMESTAMPING_* flags" : "")") }
        let instant = Instant(nanoseconds: now * 1000)
        return CallResult { () throws(SocketCallError) in
            try calls.setOption(fd, SocketOption(option, integer: value)!, now: instant)
            return 0
        }
    }

    func timestampingFlags(_ e: ScriptExpression) -> TimestampingFlags? {
        switch e {
        case .integer(let v): return v >= 0 && v <= Int64(UInt32.max) ? TimestampingFlags(rawValue: UInt32(v)) : nil
        case .identifier(let n): return Self.timestampingNames[n]
        case .bitOr(let l, let r):
            guard let a = timestampingFlags(l), let b = timestampingFlags(r) else { return nil }
            return a.union(b)
        default: return nil
        }
    }

    // MARK: calls

    /// recvmsg, sends with MSG_ZEROCOPY, and Fast Open writes (RunnerSyscalls+FastOpen.swift); nil for other calls.
    mutating func reportingCall(_ call: SyscallSpec, socket: SocketID, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        switch call.name {
        case "recvmsg":
            return try recvmsg(call, socket: socket, at: location)
        case "write", "send", "sendto", "sendmsg":
            if messageFlags(call).contains("MSG_FASTOPEN") || stack.isConnectDeferred(socket) {
                return try fastOpenWrite(call, socket: socket, at: location)
            }
            guard call.name != "write", messageFlags(call).contains("MSG_ZEROCOPY") else { return nil }
            if let bad = messageFlags(call).first(where: { $0 != "MSG_DONTWAIT" && $0 != "MSG_ZEROCOPY" }) {
                throw fail(location, "\(call.name) flag \(bad) is not modelled by the engine")
            }
            let n = call.name == "sendmsg" ? messageLength(call.arguments[1]) : Int(integerArgument(call, 2) ?? 0)
            do throws(SocketError) {
                return .value(Int64(try stack.sendZerocopy(socket, [UInt8](repeating: 0, count: n), now: Instant(nanoseconds: now * 1000))))
            } catch {
                return error == .wouldBlock ? .blocked : .error(error.errnoName)
            }
        default:
            return nil
        }
    }

    func structField(_ e: ScriptExpression, _ name: String) -> ScriptExpression? {
        guard case .structure(let fields) = e else { return nil }
        return fields.first(where: { $0.name == name })?.value
    }

    mutating func recvmsg(_ call: SyscallSpec, socket: SocketID, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 3 else { throw fail(location, "recvmsg takes (fd, msghdr, flags)") }
        let capacity = messageLength(call.arguments[1])
        let flags = messageFlags(call)
        if let bad = flags.first(where: { !["MSG_ERRQUEUE", "MSG_DONTWAIT", "MSG_PEEK", "MSG_TRUNC"].contains($0) }) {
            throw fail(location, "recvmsg flag \(bad) is not modelled by the engine")
        }
        let result: CallResult
        var control: [ControlMessage] = []
        var messageFlagNames: Set<String> = []
        if flags.contains("MSG_ERRQUEUE") {
            // Linux ip_recv_error: EAGAIN at once when the queue is empty, blocking or not.
            let message: ErrorQueueMessage?
            do throws(SocketError) { message = try stack.readErrorQueue(socket) } catch { return .error(error.errnoName) }
            guard let message else { return .error("EAGAIN") }
            messageFlagNames.insert("MSG_ERRQUEUE")
            let (payload, messages) = errorQueueControl(message, socket: socket)
            control = messages
            if payload > capacity { messageFlagNames.insert("MSG_TRUNC") }
            result = .value(Int64(min(payload, capacity)))
        } else {
            let waiting = stack.readableBytes(of: socket) ?? 0
            do throws(SocketError) {
                let count: Int
                if flags.contains("MSG_PEEK") && waiting > 0 {
                    count = stack.peek(socket, maxBytes: capacity)?.count ?? 0
                } else {
                    count = try stack.receive(socket, maxBytes: capacity, now: Instant(nanoseconds: now * 1000)).count
                }
                result = .value(Int64(count))
            } catch {
                return error == .wouldBlock ? .blocked : .error(error.errnoName)
            }
            // Linux tcp_recvmsg: with TCP_INQ on, every successful read carries TCP_CM_INQ.
            if stack.receiveQueueHintEnabled(of: socket) == true {
                control.append(ControlMessage(level: 6, type: 36, data: .integer(Int64(stack.receiveQueueHint(of: socket) ?? 0))))
            }
        }
        try checkMessage(call.arguments[1], flags: messageFlagNames, control: control, at: location)
        return result
    }

    /// The bytes a queued message carries and its control messages (Linux `ip_recv_error` / `ipv6_recv_error`:
    /// `sock_recv_timestamp`'s SCM_TIMESTAMPING first, then the `sock_extended_err`).
    func errorQueueControl(_ message: ErrorQueueMessage, socket: SocketID) -> (Int, [ControlMessage]) {
        let ipv6 = stack.localEndpoint(of: socket)?.address.isIPv6 ?? addressing.local.isIPv6
        let level: Int64 = ipv6 ? 41 : 0, type: Int64 = ipv6 ? 25 : 11
        switch message {
        case .timestamp(let moment, let key, let at, let payload):
            var out: [ControlMessage] = []
            // The software timestamp is reported only with SOF_TIMESTAMPING_SOFTWARE (`__sock_recv_timestamp`).
            if stack.timestamping(of: socket)?.contains(.software) == true {
                out.append(ControlMessage(level: 1, type: 37, data: .timestamp(nanoseconds: at.nanoseconds)))
            }
            out.append(ControlMessage(level: level, type: type, data: .extendedError(
                errno: 42, origin: 4, type: 0, code: 0, info: Int64(moment.rawValue), data: Int64(key))))
            return (payload, out)
        case .zerocopy(let first, let last):
            return (0, [ControlMessage(level: level, type: type, data: .extendedError(
                errno: 0, origin: 5, type: 0, code: 0, info: Int64(first), data: Int64(last)))])
        }
    }

    /// Checks `msg_flags` and `msg_control` of the script's msghdr against what the call produced.
    func checkMessage(_ header: ScriptExpression, flags: Set<String>, control: [ControlMessage], at location: SourceLocation) throws(ScriptFailure) {
        if let expected = structField(header, "msg_flags"), expected != .ellipsis {
            guard let names = messageFlagSet(expected) else { throw fail(location, "msg_flags must be 0 or MSG_* names") }
            if names != flags {
                throw fail(location, "recvmsg msg_flags differ", expected: names.sorted().joined(separator: "|"),
                    actual: flags.isEmpty ? "0" : flags.sorted().joined(separator: "|"))
            }
        }
        guard let expected = structField(header, "msg_control"), expected != .ellipsis else { return }
        guard case .array(let items) = expected else { throw fail(location, "msg_control must be [{cmsg_level=..., ...}, ...]") }
        let actualText = control.map(controlText).joined(separator: ", ")
        guard items.count == control.count else {
            throw fail(location, "recvmsg gave \(control.count) control messages, expected \(items.count)", actual: "[\(actualText)]")
        }
        for (item, actual) in zip(items, control) {
            if let why = try controlMismatch(item, actual, at: location) {
                throw fail(location, "recvmsg control message differs: \(why)", expected: expressionText(item), actual: controlText(actual))
            }
        }
    }

    func messageFlagSet(_ e: ScriptExpression) -> Set<String>? {
        switch e {
        case .integer(0): return []
        case .identifier(let n): return [n]
        case .bitOr(let l, let r):
            guard let a = messageFlagSet(l), let b = messageFlagSet(r) else { return nil }
            return a.union(b)
        default: return nil
        }
    }

    func constant(_ e: ScriptExpression?) -> Int64? {
        switch e {
        case .integer(let v)?: return v
        case .identifier(let n)?: return Self.controlConstants[n]
        default: return nil
        }
    }

    func controlMismatch(_ item: ScriptExpression, _ actual: ControlMessage, at location: SourceLocation) throws(ScriptFailure) -> String? {
        guard let level = constant(structField(item, "cmsg_level")), let type = constant(structField(item, "cmsg_type")),
            let data = structField(item, "cmsg_data")
        else { throw fail(location, "a control message needs cmsg_level, cmsg_type and cmsg_data with known values") }
        if level != actual.level { return "cmsg_level \(actual.level), expected \(level)" }
        if type != actual.type { return "cmsg_type \(actual.type), expected \(type)" }
        if data == .ellipsis { return nil }
        switch actual.data {
        case .integer(let v):
            guard let e = data.integerValue else { return "cmsg_data is a number here" }
            return e == v ? nil : "cmsg_data \(v), expected \(e)"
        case .timestamp(let ns):
            guard let sec = constant(structField(data, "scm_sec")), let nsec = constant(structField(data, "scm_nsec")) else {
                return "cmsg_data must be {scm_sec=..., scm_nsec=...}"
            }
            let expectedUsec = sec * 1_000_000 + nsec / 1000, actualUsec = ns / 1000
            return abs(expectedUsec - actualUsec) <= tolerance ? nil
                : "timestamp \(seconds(actualUsec)) s, expected \(seconds(expectedUsec)) s (tolerance \(tolerance) us)"
        case .extendedError(let errno, let origin, let type, let code, let info, let value):
            let fields: [(String, Int64)] = [("ee_errno", errno), ("ee_origin", origin), ("ee_type", type), ("ee_code", code),
                ("ee_info", info), ("ee_data", value)]
            for (name, v) in fields {
                guard let field = structField(data, name), field != .ellipsis else { continue }
                guard let e = constant(field) else { return "\(name) has an unknown value \(expressionText(field))" }
                if e != v { return "\(name) \(v), expected \(e)" }
            }
            return nil
        }
    }

    func controlText(_ m: ControlMessage) -> String {
        let data: String
        switch m.data {
        case .integer(let v): data = "\(v)"
        case .timestamp(let ns): data = "{scm_sec=\(ns / 1_000_000_000),scm_nsec=\(ns % 1_000_000_000)}"
        case .extendedError(let errno, let origin, let type, let code, let info, let value):
            data = "{ee_errno=\(errno),ee_origin=\(origin),ee_type=\(type),ee_code=\(code),ee_info=\(info),ee_data=\(value)}"
        }
        return "{cmsg_level=\(m.level),cmsg_type=\(m.type),cmsg_data=\(data)}"
    }
}
