import ArgumentParser
import SelfConnectWatch

/// `selfconnect watch`'s limits for its HTTP server (defaults: `HTTPLimits`).
struct HTTPLimitOptions: ParsableArguments {
    @Option(help: "Open connections at most; at the limit a new one closes the oldest (default 1024).")
    var maxConnections: Int?

    @Option(help: "From accept, the request head must arrive and the response be taken within this (default 10s).")
    var headerTimeout: String?

    @Option(help: "Close a connection that sends nothing for this long before its request is complete (default 5s).")
    var idleTimeout: String?

    @Option(help: "Request line plus headers at most, in bytes; beyond: 431 (default 8192).")
    var maxHeaderBytes: Int?

    @Option(help: "Request target at most, in bytes; beyond: 414 (default 2048).")
    var maxPathBytes: Int?

    /// The limits, or one line naming the bad option.
    func limits() throws -> HTTPLimits {
        var limits = HTTPLimits()
        func positive(_ value: Int?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value else { return nil }
            guard range.contains(value) else {
                throw ValidationError("--\(name) must be \(range.lowerBound)-\(range.upperBound), got \(value)")
            }
            return value
        }
        func duration(_ text: String?, _ name: String) throws -> Duration? {
            guard let text else { return nil }
            do { return try WatchArguments.interval(text) } catch {
                throw ValidationError("--\(name) must be a duration such as 500ms, 10s or 2m, got '\(text)'")
            }
        }
        limits.maxConnections = try positive(maxConnections, "max-connections", 1...1_000_000) ?? limits.maxConnections
        limits.maxHeaderBytes = try positive(maxHeaderBytes, "max-header-bytes", 64...1_048_576) ?? limits.maxHeaderBytes
        limits.maxPathBytes = try positive(maxPathBytes, "max-path-bytes", 16...1_048_576) ?? limits.maxPathBytes
        limits.headerTimeout = try duration(headerTimeout, "header-timeout") ?? limits.headerTimeout
        limits.idleTimeout = try duration(idleTimeout, "idle-timeout") ?? limits.idleTimeout
        return limits
    }
}
