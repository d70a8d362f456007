/// What the metrics server grants one client, so a hostile network cannot hold it (slowloris, floods, huge
/// requests). Every value is a `selfconnect watch` option; the defaults suit a Prometheus scraper, which sends a
/// small GET at once on a fresh connection.
public struct HTTPLimits: Sendable, Equatable {
    /// Open connections at most; at the limit a new connection closes the oldest one (an attacker holding
    /// connections open cannot lock a scraper out, only push out its own).
    public var maxConnections = 1024
    /// From accept, the request head must arrive and the response be taken within this; else the connection closes.
    public var headerTimeout: Duration = .seconds(10)
    /// A connection that sends no byte for this long before its request head is complete is closed.
    public var idleTimeout: Duration = .seconds(5)
    /// Request line plus headers, in bytes; beyond it: 431 and close.
    public var maxHeaderBytes = 8192
    /// The request target, in bytes; beyond it: 414 and close.
    public var maxPathBytes = 2048

    public init() {}
}
