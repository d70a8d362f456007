import HostNet
import Prometheus
import SelfConnectGuard
import TCPStack

/// The Prometheus view of successive audits. Owned by one loop; the registry it writes is safe to read
/// (scrape) from any thread.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `selfconnect_self_connected_sockets` | gauge | `port`, `state` (kernel TCP state name) |
/// | `selfconnect_risky_listeners` | gauge | `port`, `reason` (`ephemeral_range` or `port_stolen`) |
/// | `selfconnect_self_connects_seen_total` | counter | |
/// | `selfconnect_audits_total`, `selfconnect_audit_failures_total` | counter | |
/// | `selfconnect_audit_duration_seconds` | gauge | |
/// | `selfconnect_ephemeral_ports`, `selfconnect_ephemeral_reserved_ports` | gauge | |
public struct AuditMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private var selfConnected: PortLabelledGauges
    private var riskyListeners: PortLabelledGauges
    private let selfConnectsSeen: Counter
    private let audits: Counter
    private let failures: Counter
    private let duration: Gauge
    private let ephemeralPorts: Gauge
    private let reservedEphemeralPorts: Gauge
    /// The self-connections present at the previous audit, so one that lasts several audits is counted once.
    private var previousSelfConnects: Set<SocketEndpoint> = []

    /// `maxPortsPerMetric` caps the `port` label values of each labelled gauge (see the README).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), maxPortsPerMetric: Int = 50) {
        self.registry = registry
        selfConnected = PortLabelledGauges(
            name: "self_connected", unit: "sockets",
            help: "TCP sockets whose local endpoint equals their remote endpoint, by port and TCP state.",
            detailLabel: "state", maxPorts: maxPortsPerMetric)
        riskyListeners = PortLabelledGauges(
            name: "risky", unit: "listeners",
            help: "Listening sockets a client can self-connect to or hold: in the ephemeral range and not reserved, or with their port in use as a client's source port.",
            detailLabel: "reason", maxPorts: maxPortsPerMetric)
        selfConnectsSeen = registry.makeCounter(descriptor: .selfConnect("self_connects_seen", "total",
            "Self-connections seen by the audits since the exporter started (each counted once while it lasts)."))
        audits = registry.makeCounter(descriptor: .selfConnect("audits", "total", "Audits run since start."))
        failures = registry.makeCounter(descriptor: .selfConnect("audit_failures", "total",
            "Audits that could not read the socket table or the port settings."))
        duration = registry.makeGauge(descriptor: .selfConnect("audit_duration", "seconds",
            "Wall time of the last audit."))
        ephemeralPorts = registry.makeGauge(descriptor: .selfConnect("ephemeral", "ports",
            "Ports in net.ipv4.ip_local_port_range."))
        reservedEphemeralPorts = registry.makeGauge(descriptor: .selfConnect("ephemeral_reserved", "ports",
            "Ports of the ephemeral range listed in net.ipv4.ip_local_reserved_ports."))
    }

    /// Records one successful audit that took `elapsed`.
    public mutating func record(_ report: AuditReport, elapsed: Duration) {
        duration.set(elapsed.seconds)
        let range = report.settings.localPortRange
        ephemeralPorts.set(Int64(range.count))
        reservedEphemeralPorts.set(Int64(report.settings.reservedPorts.count(in: range)))

        var selfCounts: [PortLabelledGauges.Key: Int] = [:]
        var riskCounts: [PortLabelledGauges.Key: Int] = [:]
        var selfConnects: Set<SocketEndpoint> = []
        for finding in report.findings {
            let socket = finding.socket
            switch finding.kind {
            case .selfConnect:
                selfCounts[.init(port: socket.local.port, detail: socket.state.description), default: 0] += 1
                selfConnects.insert(SocketEndpoint(socket.local.address.canonical, socket.local.port))
            case .listenerInEphemeralRange:
                riskCounts[.init(port: socket.local.port, detail: "ephemeral_range"), default: 0] += 1
            case .stolenPort:
                riskCounts[.init(port: socket.local.port, detail: "port_stolen"), default: 0] += 1
            }
        }
        // The counter moves before the gauges, so a scrape that sees a new self-connect's gauge also sees it counted.
        selfConnectsSeen.increment(by: Int64(selfConnects.subtracting(previousSelfConnects).count))
        previousSelfConnects = selfConnects
        selfConnected.update(selfCounts, in: registry)
        riskyListeners.update(riskCounts, in: registry)
        // Counted last, so a scrape that sees audit N counted also sees audit N's gauges.
        audits.increment()
    }

    /// Records an audit that failed after `elapsed`; the gauges keep their last values.
    public mutating func recordFailure(elapsed: Duration) {
        failures.increment()
        duration.set(elapsed.seconds)
    }
}

extension MetricNameDescriptor {
    /// `selfconnect_<name>_<unit>`.
    static func selfConnect(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "selfconnect", metricName: name, unitName: unit, helpText: help)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

extension ReservedPorts {
    /// How many ports of `range` the set holds.
    func count(in range: ClosedRange<UInt16>) -> Int {
        range.count { contains($0) }
    }
}
