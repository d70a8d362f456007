import TCPStack
import TCPWire

/// Writes that start a TCP Fast Open connection (RunnerSyscalls+Reporting.swift routes them here).
extension ScriptRunner {
    /// A write with MSG_FASTOPEN, or the first write after a deferred connect: the engine models the SYN that
    /// carries no data; data in the SYN is not modelled and fails the script by name.
    mutating func fastOpenWrite(_ call: SyscallSpec, fd: Int, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        if let bad = messageFlags(call).first(where: { $0 != "MSG_DONTWAIT" && $0 != "MSG_FASTOPEN" }) {
            throw fail(location, "\(call.name) flag \(bad) is not modelled by the engine")
        }
        let n = call.name == "sendmsg" ? messageLength(call.arguments[1]) : Int(integerArgument(call, 2) ?? 0)
        guard call.name != "sendmsg", call.arguments.count > 1, isNull(call.arguments[1]), n > 0 else {
            throw fail(location, "\(call.name): data in a Fast Open SYN is not modelled by the engine")
        }
        // The buffer faults: Linux sends a SYN with a cookie request instead (tcp_send_syn_data).
        let to = messageFlags(call).contains("MSG_FASTOPEN") ? Endpoint(remote, connectPort) : nil
        do throws(SocketCallError) {
            try calls.fastOpenWriteFaults(fd, to: to, now: Instant(nanoseconds: now * 1000))
        } catch {
            return CallResult(error)
        }
    }
}
