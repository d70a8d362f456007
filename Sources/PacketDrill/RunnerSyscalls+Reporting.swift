import TCPStack
import TCPWire

/// recvmsg with its control messages, and the options behind them: TCP_INQ (TCP_CM_INQ), SO_TIMESTAMPING and
/// SO_ZEROCOPY (the error queue, read with MSG_ERRQUEUE), and sends with MSG_ZEROCOPY. Control messages are
/// compared as packetdrill's run_system_call.c compares them: in order, level, type and data; timestamps relative
/// to the script's start, within the tolerance.
extension ScriptRunner {
    typealias ControlMessage = SocketCalls.ControlMessage

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
    mutating func reportingCall(_ call: SyscallSpec, fd: Int, socket: SocketID, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        switch call.name {
        case "recvmsg":
            return try recvmsg(call, fd: fd, at: location)
        case "write", "send", "sendto", "sendmsg":
            if messageFlags(call).contains("MSG_FASTOPEN") || calls.isConnectDeferred(fd) {
                return try fastOpenWrite(call, fd: fd, at: location)
            }
            guard call.name != "write", messageFlags(call).contains("MSG_ZEROCOPY") else { return nil }
            if let bad = messageFlags(call).first(where: { $0 != "MSG_DONTWAIT" && $0 != "MSG_ZEROCOPY" }) {
                throw fail(location, "\(call.name) flag \(bad) is not modelled by the engine")
            }
            let n = call.name == "sendmsg" ? messageLength(call.arguments[1]) : Int(integerArgument(call, 2) ?? 0)
            let instant = Instant(nanoseconds: now * 1000)
            return CallResult { () throws(SocketCallError) in
                Int64(try calls.sendZerocopy(fd, [UInt8](repeating: 0, count: n), now: instant))
            }
        default:
            return nil
        }
    }

    func structField(_ e: ScriptExpression, _ name: String) -> ScriptExpression? {
        guard case .structure(let fields) = e else { return nil }
        return fields.first(where: { $0.name == name })?.value
    }

    /// recvmsg names and their bits.
    static let receiveFlagNames: [String: SocketCalls.ReceiveFlags] = [
        "MSG_ERRQUEUE": .errorQueue, "MSG_DONTWAIT": .dontWait, "MSG_PEEK": .peek, "MSG_TRUNC": .truncate,
    ]

    mutating func recvmsg(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 3 else { throw fail(location, "recvmsg takes (fd, msghdr, flags)") }
        let capacity = messageLength(call.arguments[1])
        let names = messageFlags(call)
        if let bad = names.first(where: { Self.receiveFlagNames[$0] == nil }) {
            throw fail(location, "recvmsg flag \(bad) is not modelled by the engine")
        }
        let flags = names.reduce(into: SocketCalls.ReceiveFlags()) { $0.formUnion(Self.receiveFlagNames[$1]!) }
        let message: SocketCalls.ReceivedMessage
        do throws(SocketCallError) {
            message = try calls.receiveMessage(fd, capacity: capacity, flags: flags, now: Instant(nanoseconds: now * 1000))
        } catch {
            return CallResult(error)
        }
        var flagNames: Set<String> = []
        if message.flags.contains(.errorQueue) { flagNames.insert("MSG_ERRQUEUE") }
        if message.flags.contains(.truncated) { flagNames.insert("MSG_TRUNC") }
        try checkMessage(call.arguments[1], flags: flagNames, control: message.control, at: location)
        return .value(Int64(message.bytes.count))
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
        if level != Int64(actual.level) { return "cmsg_level \(actual.level), expected \(level)" }
        if type != Int64(actual.type) { return "cmsg_type \(actual.type), expected \(type)" }
        if data == .ellipsis { return nil }
        switch actual.data {
        case .integer(let v):
            guard let e = data.integerValue else { return "cmsg_data is a number here" }
            return e == Int64(v) ? nil : "cmsg_data \(v), expected \(e)"
        case .timestamp(let at):
            let ns = at.nanoseconds
            guard let sec = constant(structField(data, "scm_sec")), let nsec = constant(structField(data, "scm_nsec")) else {
                return "cmsg_data must be {scm_sec=..., scm_nsec=...}"
            }
            let expectedUsec = sec * 1_000_000 + nsec / 1000, actualUsec = ns / 1000
            return abs(expectedUsec - actualUsec) <= tolerance ? nil
                : "timestamp \(seconds(actualUsec)) s, expected \(seconds(expectedUsec)) s (tolerance \(tolerance) us)"
        case .extendedError(let ee):
            let fields: [(String, Int64)] = [("ee_errno", Int64(ee.errno)), ("ee_origin", Int64(ee.origin)),
                ("ee_type", Int64(ee.type)), ("ee_code", Int64(ee.code)), ("ee_info", Int64(ee.info)), ("ee_data", Int64(ee.data))]
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
        case .timestamp(let at):
            data = "{scm_sec=\(at.nanoseconds / 1_000_000_000),scm_nsec=\(at.nanoseconds % 1_000_000_000)}"
        case .extendedError(let ee):
            data = "{ee_errno=\(ee.errno),ee_origin=\(ee.origin),ee_type=\(ee.type),ee_code=\(ee.code),ee_info=\(ee.info),ee_data=\(ee.data)}"
        }
        return "{cmsg_level=\(m.level),cmsg_type=\(m.type),cmsg_data=\(data)}"
    }
}
