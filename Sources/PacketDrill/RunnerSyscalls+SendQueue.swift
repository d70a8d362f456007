import TCPStack

/// send(2) flags and the socket options of Linux's send queue: MSG_MORE, MSG_EOR, TCP_CORK, TCP_NOTSENT_LOWAT.
extension ScriptRunner {
    /// The send flags the runner passes on (MSG_DONTWAIT is handled by the runner itself).
    static let sendFlagNames: Set<String> = ["MSG_DONTWAIT", "MSG_MORE", "MSG_EOR"]

    /// The engine's flags for a write/send/sendto/sendmsg.
    func sendFlags(_ call: SyscallSpec) -> SendFlags {
        var flags: SendFlags = []
        for name in messageFlags(call) {
            switch name {
            case "MSG_MORE": flags.insert(.more)
            case "MSG_EOR": flags.insert(.endOfRecord)
            default: break
            }
        }
        return flags
    }

    /// setsockopt TCP_CORK / TCP_NOTSENT_LOWAT.
    mutating func sendQueueOption(_ call: SyscallSpec, socket: SocketID, at location: SourceLocation) throws(ScriptFailure)
        -> CallResult
    {
        guard let value = integerArgument(call, 3) else { throw fail(location, "\(optionName(call)) needs [N]") }
        do throws(SocketError) {
            if optionName(call) == "TCP_CORK" {
                try stack.setCork(socket, value != 0, now: Instant(nanoseconds: now * 1000))
            } else {
                try stack.setNotSentLowWater(socket, Int(value))
            }
        } catch { return .error(error.errnoName) }
        return .value(0)
    }
}
