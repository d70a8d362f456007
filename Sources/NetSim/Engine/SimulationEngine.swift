import TCPStack
import TCPWire

/// The simulator wired to the real engine: the personalities `selfconnect simulate` offers and how each maps to
/// an engine configuration (TCP behaviour) and a port personality (which source ports connect() picks).
public enum SimulationEngine {
    public struct Personality: Sendable {
        public var name: String
        public var tcp: TCPConfiguration
        public var ports: PortPersonality
    }

    /// The first one is the default: the article's kernel.
    public static let catalog: [Personality] = [
        Personality(name: "linux-3.10", tcp: .linux310, ports: .linux310),
        Personality(name: "linux-6", tcp: .linux6, ports: .linux6),
        Personality(name: "rfc9293", tcp: .rfc9293, ports: .rfc9293),
    ]

    public static var personalities: [String] { catalog.map(\.name) }

    public static let stacks = StackFactory<EngineStack>(
        personalities: personalities,
        make: { name, addresses, random, record in
            let p = catalog.first { $0.name == name } ?? catalog[0]
            var stack = EngineStack(addresses: addresses, configuration: p.tcp, ports: p.ports, random: random)
            stack.isTracing = record
            return stack
        },
        reachability: { name, port in
            Reachability.explain((catalog.first { $0.name == name } ?? catalog[0]).ports, port: port)
        })

    public static func run(_ options: SimulationOptions) -> SimulationReport {
        ScenarioRunner.run(options, stacks: stacks)
    }
}
