#if canImport(Glibc)
import Glibc
#endif
import SelfConnectGuard

/// Why `selfconnect watch` cannot start.
public enum WatchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--listen` is not `HOST:PORT` with a numeric IPv4 address or a bracketed IPv6 one.
    case badListenAddress(String)
    /// `--interval` is not a positive duration such as `500ms`, `10s`, `2m` or `1h`.
    case badInterval(String)
    /// The metrics server could not bind or listen on the endpoint (`errno` when the kernel gave one, else 0).
    case cannotListen(SocketEndpoint, errno: Int32, detail: String)

    public var description: String {
        switch self {
        case .badListenAddress(let text):
            return "invalid --listen '\(text)': expected HOST:PORT with a numeric IPv4 address or [IPv6] address"
        case .badInterval(let text):
            return "invalid --interval '\(text)': expected a positive duration such as 500ms, 10s, 2m or 1h (at most 24h)"
        case .cannotListen(let endpoint, let code, let detail):
            let reason = code == EADDRINUSE ? "port \(endpoint.port) is already in use"
                : code != 0 ? String(cString: strerror(code)) : detail
            return "cannot listen on \(endpoint): \(reason)"
        }
    }
}
