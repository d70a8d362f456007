import TCPStack

/// FreeBSD's TCP_NOOPT (netinet/tcp.h: 8). Not a ``SocketOptionName``: Linux numbers TCP_WINDOW_CLAMP 8, and
/// that table is Linux's. A personality without it answers ENOPROTOOPT, as Linux would for an unknown option.
extension ScriptRunner {
    mutating func noOptionsOption(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        guard optionName(call) == "TCP_NOOPT" else { return nil }
        let socket: SocketID
        do throws(SocketCallError) { socket = try calls.descriptor(fd).socket } catch { return CallResult(error) }
        guard stack.configuration.noOptionsSocketOption else { return CallResult(.failed(.ENOPROTOOPT)) }
        if call.name == "getsockopt" {
            let actual: Int64 = stack.noOptions(of: socket) == true ? 1 : 0
            guard let expected = integerArgument(call, 3) else { throw fail(location, "getsockopt TCP_NOOPT expects [N]") }
            if expected != actual {
                throw fail(location, "getsockopt TCP_NOOPT gave [\(actual)]", expected: "[\(expected)]", actual: "[\(actual)]")
            }
            return .value(0)
        }
        guard let value = integerArgument(call, 3) else { throw fail(location, "TCP_NOOPT needs [N]") }
        do throws(SocketError) { try stack.setNoOptions(socket, value != 0) } catch { return CallResult(SocketCallError(error)) }
        return .value(0)
    }
}
