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
