extension SocketCalls {
    /// IP protocol numbers a SOCK_STREAM socket never carries: Linux registers only TCP (and MPTCP) for
    /// SOCK_STREAM in `inetsw`, so `inet_create` fails socket() for these with EPROTONOSUPPORT.
    static let nonStreamProtocols: [String: Int64] = [
        "IPPROTO_ICMP": 1, "IPPROTO_UDP": 17, "IPPROTO_ICMPV6": 58, "IPPROTO_UDPLITE": 136, "IPPROTO_RAW": 255,
    ]

    /// socket(domain, SOCK_STREAM, protocol)'s error for `protocol` (by number), or nil when it is TCP's
    /// (`IPPROTO_TCP`, or 0 for the type's default).
    public static func streamSocketError(protocol number: Int64) -> LinuxErrno? {
        nonStreamProtocols.values.contains(number) ? .EPROTONOSUPPORT : nil
    }
}

extension ScriptRunner {
    /// The errno of a `socket(..., SOCK_STREAM..., PROTO)` call whose protocol is not a stream protocol.
    func socketProtocolError(_ call: SyscallSpec) -> LinuxErrno? {
        guard call.arguments.count >= 3, Self.mentions(call.arguments[1], "SOCK_STREAM") else { return nil }
        let number: Int64?
        switch call.arguments[2] {
        case .integer(let v): number = v
        case .identifier(let name): number = SocketCalls.nonStreamProtocols[name]
        default: number = nil
        }
        return number.flatMap { SocketCalls.streamSocketError(protocol: $0) }
    }

    static func mentions(_ e: ScriptExpression, _ name: String) -> Bool {
        switch e {
        case .identifier(let n): n == name
        case .bitOr(let a, let b): mentions(a, name) || mentions(b, name)
        default: false
        }
    }
}
