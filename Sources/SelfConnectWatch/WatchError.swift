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
    /// The metrics server could not bind or listen on the endpoint, and why.
    case cannotListen(SocketEndpoint, reason: String)
    /// `--textfile DIR` cannot be written; the text says why.
    case textfile(String)

    public var description: String {
        switch self {
        case .badListenAddress(let text):
            return "invalid --listen '\(text)': expected HOST:PORT with a numeric IPv4 address or [IPv6] address"
        case .badInterval(let text):
            return "invalid --interval '\(text)': expected a positive duration such as 500ms, 10s, 2m or 1h (at most 24h)"
        case .cannotListen(let endpoint, let reason):
            return "cannot listen on \(endpoint): \(reason)"
        case .textfile(let why):
            return "--textfile: \(why)"
        }
    }

    /// `cannotListen` for a failed bind or listen with `errno` `code`.
    static func cannotListen(_ endpoint: SocketEndpoint, errno code: Int32) -> WatchError {
        .cannotListen(endpoint, reason: code == EADDRINUSE ? "port \(endpoint.port) is already in use"
            : String(cString: strerror(code)))
    }
}
