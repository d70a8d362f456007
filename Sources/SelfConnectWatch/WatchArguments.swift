import SelfConnectGuard

/// The parsed arguments of `selfconnect watch`.
public enum WatchArguments {
    /// Parses `127.0.0.1:9464`, `[::1]:9464` or `0.0.0.0:0` (port 0: the kernel picks one). No DNS.
    public static func listenEndpoint(_ text: String) throws(WatchError) -> SocketEndpoint {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .badListenAddress(text)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            // An unbracketed IPv6 address has several colons: refuse it rather than guess where the port starts.
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .badListenAddress(text) }
            (host, portText) = (parts[0], parts[1])
        }
        guard portText.allSatisfy(\.isASCII), let port = UInt16(portText),
              let endpoint = SocketEndpoint(numericHost: String(host), port: port)
        else { throw .badListenAddress(text) }
        return endpoint
    }

    /// Parses a positive duration with a unit: `ms`, `s`, `m` or `h` (`250ms`, `10s`, `2m`, `1h`), at most 24 h.
    public static func interval(_ text: String) throws(WatchError) -> Duration {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = text.dropFirst(digits.count)
        // Nine digits keep every product below Int64's range.
        guard digits.count <= 9, let value = Int64(digits), value > 0 else { throw .badInterval(text) }
        let milliseconds: Int64
        switch unit {
        case "ms": milliseconds = value
        case "s": milliseconds = value * 1_000
        case "m": milliseconds = value * 60_000
        case "h": milliseconds = value * 3_600_000
        default: throw .badInterval(text)
        }
        guard milliseconds <= 86_400_000 else { throw .badInterval(text) }
        return .milliseconds(milliseconds)
    }
}
