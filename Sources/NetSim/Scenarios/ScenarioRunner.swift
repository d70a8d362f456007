import TCPStack
import TCPWire

/// Builds the network for a scenario, runs it on the simulator, and collects the report.
public enum ScenarioRunner {
    /// Builds the scenario's hosts and applications with stacks from `stacks`, runs it to the end and reports what
    /// happened. A personality the factory does not offer is an error, never a fallback.
    public static func run<Stack: SimulatedStack>(
        _ options: SimulationOptions, stacks: StackFactory<Stack>
    ) throws(UnknownPersonality) -> SimulationReport {
        guard stacks.personalities.contains(options.personality) else {
            throw UnknownPersonality(name: options.personality, known: stacks.personalities, needsSnapshot: false)
        }
        var sim = Simulator<Stack>(seed: options.seed)
        sim.recordPackets = options.record
        sim.recordTransitions = options.record
        let target = Endpoint(options.host, options.port)
        let client: Simulator<Stack>.AppHandle?

        switch options.scenario {
        case .simultaneousOpen:
            let v6 = options.host.isIPv6
            let a: IPAddress = v6 ? .v6(IPv6Address(high: 0xfd00 << 48, low: 1)) : .v4(IPv4Address(10, 0, 0, 1))
            let b: IPAddress = v6 ? .v6(IPv6Address(high: 0xfd00 << 48, low: 2)) : .v4(IPv4Address(10, 0, 0, 2))
            let stackA = stacks.make(options.personality, [a], sim.random.fork(), options.record)
            let stackB = stacks.make(options.personality, [b], sim.random.fork(), options.record)
            let ha = sim.addHost(name: "a", addresses: [a], stack: stackA)
            let hb = sim.addHost(name: "b", addresses: [b], stack: stackB)
            sim.link(ha, hb, impairments: LinkImpairments(delay: .milliseconds(1)))
            let pa = Endpoint(a, options.port), pb = Endpoint(b, options.port)
            sim.install(SimultaneousPeer<Stack>(name: "a", local: pa, remote: pb), on: ha)
            sim.install(SimultaneousPeer<Stack>(name: "b", local: pb, remote: pa), on: hb)
            client = nil
            _ = sim.run(until: .milliseconds(1_000))

        case .bulk:
            let addresses: [IPAddress] = [.v4(.loopback), .v6(.loopback)]
            let host = sim.addHost(
                name: "localhost", addresses: addresses,
                stack: stacks.make(options.personality, addresses, sim.random.fork(), options.record))
            sim.install(SinkServer<Stack>(local: target), on: host)
            sim.install(BulkSender<Stack>(remote: target, totalBytes: 1 << 20), on: host)
            client = nil
            _ = sim.run(until: .milliseconds(10_000))

        default:
            var addresses: [IPAddress] = [.v4(.loopback), .v6(.loopback)]
            if !addresses.contains(options.host) { addresses.append(options.host) }
            let host = sim.addHost(
                name: "localhost", addresses: addresses,
                stack: stacks.make(options.personality, addresses, sim.random.fork(), options.record))
            if options.scenario.hasEchoServer {
                sim.install(EchoServer<Stack>(
                    local: target, closeAfterEcho: options.scenario == .echoServerClose,
                    farewell: options.scenario == .halfClose ? Array("bye\r\n".utf8) : []), on: host)
            }
            let telnet = TelnetClient<Stack>(
                remote: target, lines: options.lines,
                maxAttempts: options.scenario == .refused ? 1 : options.maxAttempts,
                bindTo: options.scenario.binds ? target : nil, closeWhenDone: options.quit,
                ending: options.scenario == .echoReset ? .reset : options.scenario == .halfClose ? .shutdownWrite : .close)
            client = sim.install(telnet, on: host)
            _ = sim.run(maxEvents: 200_000_000)
            if options.scenario == .listenerBlocked {
                // The real server comes up after the client has taken its port.
                sim.install(EchoServer<Stack>(local: target), on: host, at: sim.now + .milliseconds(1))
                _ = sim.run(until: sim.now + .milliseconds(100))
            }
        }
        return report(sim, client: client, options: options, reachability: stacks.reachability)
    }

    private static func report<Stack: SimulatedStack>(
        _ sim: Simulator<Stack>, client: Simulator<Stack>.AppHandle?, options: SimulationOptions,
        reachability: (String, UInt16) -> String
    ) -> SimulationReport {
        let telnet = client.flatMap { sim.application($0, as: TelnetClient<Stack>.self) }
        let target = Endpoint(options.host, options.port)
        let attempts = (telnet?.attempts ?? []).map {
            SimulationReport.Attempt(start: $0.start, local: $0.local, remote: target, result: $0.result)
        }
        var connection: (local: Endpoint, remote: Endpoint, at: Instant)?
        if case .connected(let local, let at) = telnet?.outcome { connection = (local, target, at) }

        // Show the last refused attempt and the connection; scenarios without a telnet client show everything.
        var chosen = sim.captures
        var chosenTransitions = sim.transitions
        if telnet != nil {
            let lastRefused = attempts.last { $0.result != nil && $0.local != nil }
            let picks = [lastRefused, attempts.last { $0.result == nil && $0.local != nil }].compactMap { $0 }
            if let from = picks.first?.start {
                let sockets = Set(picks.compactMap { $0.local })
                chosen = sim.captures.filter { c in
                    c.time >= from && picks.contains { p in
                        let (s, d) = (c.packet.source, c.packet.destination)
                        return (s == p.local && d == p.remote) || (s == p.remote && d == p.local)
                    }
                }
                let names = Set(sockets.map(AddressText.endpoint))
                chosenTransitions = sim.transitions.filter { $0.time >= from && names.contains($0.socket) }
            }
        }
        let table = sim.hosts.flatMap { $0.stack.connectionTable() }
        return SimulationReport(
            options: options, storyLines: sim.storyEntries, storyTexts: sim.storyTexts, hostNames: sim.names, captures: sim.captures, chosenCaptures: chosen,
            transitions: sim.transitions, chosenTransitions: chosenTransitions, attempts: attempts,
            connection: connection, connectionTable: table, endTime: sim.now, packetsSent: sim.packetsSent,
            reachability: options.scenario.binds
                ? "the client bind()s port \(options.port) itself before connect(), so no allocator is involved"
                : reachability(options.personality, options.port))
    }
}
