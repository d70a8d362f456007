import HostNet
import Prometheus

/// The event source's metrics: every self-connect the kernel reports, as it forms (see `selfconnect trace`).
///
/// | metric | type | labels |
/// |---|---|---|
/// | `selfconnect_self_connects_total` | counter | `port`, `command` (at most `maxSeries` pairs, then `other`/`other`) |
/// | `selfconnect_simultaneous_opens_total` | counter | |
/// | `selfconnect_self_connect_lifetime_seconds` | histogram | |
/// | `selfconnect_self_connect_last_seen_timestamp_seconds` | gauge | `port`, `command`: Unix time of the last one |
/// | `selfconnect_tracing` | gauge | 1 when the event source runs, 0 when only polling |
public struct TraceMetrics: Sendable {
    struct Key: Hashable {
        var port: String
        var command: String
    }

    public let registry: PrometheusCollectorRegistry
    private let maxSeries: Int
    private var selfConnects: [Key: (count: Counter, lastSeen: Gauge)] = [:]
    private let simultaneousOpens: Counter
    private let lifetime: ValueHistogram
    private let tracing: Gauge
    /// Only events of processes in this network namespace count (nil: every namespace).
    private let namespace: UInt64?

    /// Lifetime buckets: 100 µs to 10 min, because the self-connects polling misses live under a millisecond.
    static let lifetimeBuckets: [Double] = [0.0001, 0.001, 0.01, 0.1, 1, 10, 60, 600]

    public init(registry: PrometheusCollectorRegistry, namespace: UInt64?, maxSeries: Int = 50) {
        self.registry = registry
        self.namespace = namespace
        self.maxSeries = maxSeries
        simultaneousOpens = registry.makeCounter(descriptor: .selfConnect("simultaneous_opens", "total",
            "Simultaneous opens between distinct endpoints reported by the kernel tracepoint."))
        lifetime = registry.makeValueHistogram(
            descriptor: .selfConnect("self_connect_lifetime", "seconds",
                "How long self-connected sockets lived, from SYN_RECV to CLOSE."),
            buckets: Self.lifetimeBuckets)
        tracing = registry.makeGauge(descriptor: .selfConnect("tracing", "",
            "1 when self-connects are traced as they form (sock:inet_sock_set_state); 0 when watch only polls."))
        // The counter family exists from the start, so `increase()` sees the first self-connect.
        _ = series(Key(port: "other", command: "other"))
    }

    /// Says whether the event source runs.
    public func setTracing(_ on: Bool) { tracing.set(Int64(on ? 1 : 0)) }

    public mutating func record(_ output: TraceOutput, wallTime: Double) {
        switch output {
        case .opened(let open):
            guard namespace == nil || open.process.netns == namespace else { return }
            if open.kind == .simultaneousOpen {
                simultaneousOpens.increment()
                return
            }
            let key = Key(port: String(open.event.local.port), command: open.comm)
            let pair = series(selfConnects.count < maxSeries || selfConnects[key] != nil
                ? key : Key(port: "other", command: "other"))
            pair.count.increment()
            pair.lastSeen.set(wallTime)
        case .closed(let close):
            guard close.open.kind == .selfConnect, namespace == nil || close.open.process.netns == namespace else {
                return
            }
            lifetime.record(close.lifetime)
        }
    }

    /// The counter and last-seen gauge of one (port, command); the caller keeps to the cap.
    private mutating func series(_ key: Key) -> (count: Counter, lastSeen: Gauge) {
        if let existing = selfConnects[key] { return existing }
        let labels = [("port", key.port), ("command", key.command)]
        let made = (
            registry.makeCounter(
                descriptor: .selfConnect("self_connects", "total",
                    "Self-connects reported by the kernel tracepoint as they formed, by port and command."),
                labels: labels),
            registry.makeGauge(
                descriptor: .selfConnect("self_connect_last_seen_timestamp", "seconds",
                    "Unix time of the last self-connect the kernel reported, by port and command (0: none)."),
                labels: labels)
        )
        selfConnects[key] = made
        return made
    }
}
