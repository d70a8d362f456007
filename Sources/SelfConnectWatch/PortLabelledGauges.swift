import Prometheus

/// One gauge family labelled `port` plus one detail label, with a cap on how many ports get their own series.
///
/// A port keeps its series (at 0 once its sockets are gone, so dashboards see the fall) until the cap is reached;
/// then a port at 0 is dropped to make room for a new one. When every series is non-zero, further ports are summed
/// into `port="other"`. The family therefore never exceeds `maxPorts` port series plus one `other` series per detail
/// value, whatever the host does.
struct PortLabelledGauges: Sendable {
    struct Key: Hashable, Comparable {
        /// nil is the `port="other"` overflow series.
        var port: UInt16?
        var detail: String

        static func < (l: Key, r: Key) -> Bool {
            (l.port ?? .max, l.detail) < (r.port ?? .max, r.detail)
        }
    }

    /// `selfconnect_<name>_<unit>`.
    let name: String
    let unit: String
    let help: String
    let detailLabel: String
    let maxPorts: Int
    private(set) var series: [Key: Gauge] = [:]

    init(name: String, unit: String, help: String, detailLabel: String, maxPorts: Int) {
        (self.name, self.unit, self.help) = (name, unit, help)
        self.detailLabel = detailLabel
        self.maxPorts = maxPorts
    }

    /// Sets every series from this audit's socket counts; ports absent from `counts` go to 0.
    mutating func update(_ counts: [Key: Int], in registry: PrometheusCollectorRegistry) {
        var idle = series.keys.filter { $0.port != nil && counts[$0] == nil }.sorted(by: >)
        var overflow: [String: Int] = [:]
        for key in counts.keys.filter({ series[$0] == nil }).sorted() {
            if series.count(where: { $0.key.port != nil }) >= maxPorts {
                guard let victim = idle.popLast() else {
                    overflow[key.detail, default: 0] += counts[key] ?? 0
                    continue
                }
                if let gauge = series.removeValue(forKey: victim) { registry.unregisterGauge(gauge) }
            }
            series[key] = makeGauge(key, registry)
        }
        for detail in overflow.keys where series[Key(port: nil, detail: detail)] == nil {
            series[Key(port: nil, detail: detail)] = makeGauge(Key(port: nil, detail: detail), registry)
        }
        for (key, gauge) in series {
            gauge.set(Int64(key.port == nil ? overflow[key.detail] ?? 0 : counts[key] ?? 0))
        }
    }

    private func makeGauge(_ key: Key, _ registry: PrometheusCollectorRegistry) -> Gauge {
        let port = key.port.map { String($0) } ?? "other"
        return registry.makeGauge(descriptor: .selfConnect(name, unit, help), labels: [("port", port), (detailLabel, key.detail)])
    }
}
