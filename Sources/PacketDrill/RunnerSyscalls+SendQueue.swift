import TCPStack

/// send(2) flags of Linux's send queue: MSG_MORE, MSG_EOR (its options, TCP_CORK and TCP_NOTSENT_LOWAT, are
/// `SocketOption`s).
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
}
