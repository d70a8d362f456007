/// Why the TUN link could not be set up or run.
public enum TUNLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The process lacks a capability the link needs (CAP_NET_ADMIN, /dev/net/tun, `ip`).
    case notPermitted(String)
    /// A system call failed.
    case system(call: String, errno: Int32)
    /// An external command (`ip`) exited with a failure.
    case command(String, status: Int32, output: String)
    /// An argument the link cannot use (an address, a name).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .notPermitted(let what): return "not permitted: \(what)"
        case .system(let call, let errno): return "\(call) failed: errno \(errno)"
        case .command(let cmd, let status, let output):
            return "`\(cmd)` exited with \(status): \(output.split(separator: "\n").first.map(String.init) ?? "")"
        case .invalidArgument(let what): return what
        }
    }
}
