import TCPStack
import TCPWire

/// The simulator wired to the real engine: `selfconnect simulate` offers TCPStack's personalities, each an
/// engine configuration (TCP behaviour) and a port personality (which source ports connect() picks).
public enum SimulationEngine {
    /// Names `--personality` accepts, the default (the article's kernel) first; "host" last.
    public static var personalities: [String] { Personality.names }

    /// Stacks for every catalog personality; "host" is this snapshot's (NetSim does no I/O: the caller reads
    /// the sysctls). Without a snapshot, "host" is plain linux-6 with no sysctls applied.
    public static func stacks(host snapshot: SysctlSnapshot? = nil) -> StackFactory<EngineStack> {
        let resolve: @Sendable (String) -> Personality = { name in
            (try? Personality.named(name, host: snapshot ?? SysctlSnapshot())) ?? Personality.catalog[0]
        }
        return StackFactory<EngineStack>(
            personalities: personalities,
            make: { name, addresses, random, record in
                let p = resolve(name)
                var stack = EngineStack(addresses: addresses, configuration: p.tcp, ports: p.ports, random: random)
                stack.isTracing = record
                return stack
            },
            reachability: { name, port in Reachability.explain(resolve(name).ports, port: port) })
    }

    /// Runs `options` on the engine and reports what happened; `snapshot` holds the sysctls behind the "host"
    /// personality.
    public static func run(_ options: SimulationOptions, host snapshot: SysctlSnapshot? = nil) -> SimulationReport {
        ScenarioRunner.run(options, stacks: stacks(host: snapshot))
    }
}
