import TCPStack
import TCPWire

/// The simulator wired to the real engine: `selfconnect simulate` offers TCPStack's personalities, each an
/// engine configuration (TCP behaviour) and a port personality (which source ports connect() picks).
public enum SimulationEngine {
    /// Names `--personality` accepts, the default (the article's kernel) first; "host" last.
    public static var personalities: [String] { Personality.names }

    /// Stacks for every catalog personality; "host" is this snapshot's (NetSim does no I/O: the caller reads
    /// the sysctls). Without a snapshot, "host" is plain linux-6 with no sysctls applied. A name outside
    /// `personalities` is refused by `run`, so the factory only ever meets known names.
    public static func stacks(host snapshot: SysctlSnapshot? = nil) -> StackFactory<EngineStack> {
        var known: [String: Personality] = [:]
        for p in Personality.catalog { known[p.name] = p }
        known[Personality.hostName] = Personality.host(snapshot ?? SysctlSnapshot())
        let table = known
        return StackFactory<EngineStack>(
            personalities: personalities,
            make: { name, addresses, random, record in
                let p = table[name]!  // ScenarioRunner.run checked the name
                var stack = EngineStack(addresses: addresses, configuration: p.tcp, ports: p.ports, random: random)
                stack.isTracing = record
                return stack
            },
            reachability: { name, port in Reachability.explain(table[name]!, port: port) })
    }

    /// Runs `options` on the engine and reports what happened; `snapshot` holds the sysctls behind the "host"
    /// personality. A personality name the catalog does not know is an error, never a fallback.
    public static func run(_ options: SimulationOptions, host snapshot: SysctlSnapshot? = nil)
        throws(UnknownPersonality) -> SimulationReport
    {
        try ScenarioRunner.run(options, stacks: stacks(host: snapshot))
    }
}
