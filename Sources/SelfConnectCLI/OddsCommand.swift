import ArgumentParser
import Foundation
import HostNet
import TCPStack
import TCPWire

struct OddsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "odds",
        abstract: "Odds that an unbound retry loop to 127.0.0.1:PORT self-connects.",
        discussion: """
            Models the loop as it runs: each refused attempt is reset at once (no TIME-WAIT), so only the \
            background load holds ports. --load counts ports held by bind() or listeners; connections to other \
            destinations do not block connect() (their 4-tuples differ) and are not load.
            """
    )

    @Option(help: "The port the client retries (nothing listens on it).")
    var port: Int

    @Option(help: ArgumentHelp(
        (Personality.names + ["or \(AllocatorKind.rfc6056[0].name) ... \(AllocatorKind.rfc6056.last!.name)"])
            .joined(separator: ", ") + "."))
    var personality: String = Personality.linux6.name

    @Option(help: "N: the loop's attempt budget.")
    var attempts: Int = 100_000

    @Option(help: "Ephemeral port range LO-HI (default: the personality's).")
    var range: String?

    @Option(help: "Reserved ports, as net.ipv4.ip_local_reserved_ports (\"a-b,c\").")
    var reserved: String?

    @Option(help: "Ports in the range held by bind()/listeners, placed at random (seeded).")
    var load: Int = 0

    @Option(help: "Seed for the Monte Carlo runs and the load placement.")
    var seed: UInt64 = 1

    @Option(help: "Monte Carlo runs (allocators without an exact answer: linux-6, host, rfc6056-5).")
    var trials: Int = 1000

    @Option(help: "Attempts per second, for the time estimate and Linux's 10 s rehash (measured here: ~47000).")
    var rate: Int = 47_000

    @Flag(help: "Runs follow each other on one host: each starts where the last self-connect left the slot.")
    var backToBack = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1-65535, got \(port)") }
        guard attempts >= 1 else { throw ValidationError("--attempts must be at least 1, got \(attempts)") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1, got \(trials)") }
        guard rate >= 1 else { throw ValidationError("--rate must be at least 1, got \(rate)") }
        guard load >= 0 else { throw ValidationError("--load must not be negative, got \(load)") }
    }

    func run() async throws {
        let (name, resolved) = try resolveQuery()
        var query = resolved
        var p = query.ports
        if let range { p.range = try Self.parseRange(range) }
        if let reserved {
            guard let r = try? ReservedPorts(parsing: reserved) else {
                throw ValidationError("--reserved must look like \"a-b,c\", got \"\(reserved)\"")
            }
            p.reserved = r
        }
        let target = UInt16(port)
        let held = try placeLoad(in: p, avoiding: target)
        query.ports = p
        query.target = target
        query.held = held
        let report = SelfConnectOdds.compute(query)
        if json { print(try jsonText(report, name, p)) } else { printText(report, name, p) }
    }

    /// The name and the query's system: a catalog personality, "host", or a bare RFC 6056 allocator
    /// ("rfc6056-1" ... "rfc6056-5"); the target and load are filled in by `run`.
    private func resolveQuery() throws -> (String, OddsQuery) {
        let target = UInt16(port)
        if let kind = AllocatorKind.rfc6056.first(where: { $0.name == personality }) {
            return (personality, OddsQuery(ports: .rfc6056(kind), target: target, attempts: attempts, seed: seed,
                                           trials: trials, backToBack: backToBack, attemptsPerShuffle: rate * 10))
        }
        let p = try PersonalityOption.resolve(personality, alsoKnown: AllocatorKind.rfc6056.map(\.name))
        return (p.name, OddsQuery(personality: p, target: target, attempts: attempts, seed: seed, trials: trials,
                                  backToBack: backToBack, attemptsPerShuffle: rate * 10))
    }

    static func parseRange(_ text: String) throws -> PortRange {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = UInt16(parts[0]), let hi = UInt16(parts[1]),
              let r = try? PortRange(lower: lo, upper: hi) else {
            throw ValidationError("--range must be LO-HI with 1 <= LO <= HI <= 65535, got \"\(text)\"")
        }
        return r
    }

    /// `load` distinct ports of the range (never P, never reserved), chosen with the seed.
    private func placeLoad(in p: PortPersonality, avoiding target: UInt16) throws -> ReservedPorts {
        var candidates = (p.range.lower...p.range.upper).filter { $0 != target && !p.reserved.contains($0) }
        guard load <= candidates.count else {
            throw ValidationError("--load \(load) exceeds the \(candidates.count) free ports of the range")
        }
        var random = SeededRandom(seed: seed ^ 0x6c6f_6164)   // "load": independent of the Monte Carlo stream
        for i in 0..<load {
            candidates.swapAt(i, i + Int(random.next() % UInt64(candidates.count - i)))
        }
        return ReservedPorts(candidates.prefix(load))
    }

    private func describe(_ o: Odds) -> [String] {
        var lines = ["P(self-connect within \(attempts) attempts) = \(Self.percent(o.probabilityWithin))"]
        if let mean = o.meanAttempts, let median = o.medianAttempts {
            lines.append("expected attempts \(Int(mean.rounded())), median \(median) "
                + "(about \(Self.seconds(mean / Double(rate))) at \(rate) attempts/s)")
        }
        switch o.method {
        case .exact: lines.append("method: exact")
        case .monteCarlo(let trials, let seed, let censored):
            lines.append("method: Monte Carlo, \(trials) runs, seed \(seed)"
                + (backToBack ? ", back to back" : ", fresh host each run")
                + (censored > 0 ? ", \(censored) runs never reached it" : ""))
        }
        return lines
    }

    private func printText(_ r: OddsReport, _ name: String, _ p: PortPersonality) {
        print("\(name): unbound connect() to 127.0.0.1:\(port), range \(p.range.lower)-\(p.range.upper), "
            + "\(r.usablePorts) ports usable, \(load) held by bind()/listeners")
        switch r.verdict {
        case .possible:
            describe(r.odds).forEach { print($0) }
        case .outsideRange:
            print("port \(port) is outside the ephemeral range \(p.range.lower)-\(p.range.upper): connect() never "
                + "picks it, so self-connect cannot happen without bind()")
        case .reserved:
            print("port \(port) is in ip_local_reserved_ports: connect() never picks it, so self-connect cannot "
                + "happen without bind()")
        case .heldByBind:
            print("port \(port) is held by bind(): connect() skips it, so this loop cannot self-connect")
        case .refusedByConnect:
            print("\(name) refuses an IPv4 connect() whose local address and port equal the remote (EINVAL): "
                + "no self-connect over IPv4 (IPv6 is not refused)")
        case .simultaneousConnectOff:
            print("self-connect cannot happen: \(name) drops a SYN received in SYN_SENT (net.ipv4.tcp_simult_connect=0), "
                + "so when connect() picks port \(port) its SYN is retransmitted until ETIMEDOUT (127 s)")
        case .preferredParityFirst:
            print("port \(port) is odd: \(name) connect() tries even ports first, so self-connect needs "
                + "every even port in the range exhausted first (held by other sockets); with this load: never")
            if let c = r.oddsIfPreferredParityHeld {
                print("if every even port were held:")
                describe(c).forEach { print("  " + $0) }
            }
        }
    }

    private static func oddsJSON(_ o: Odds) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("probability_within", .number(o.probabilityWithin, digits: 6)),
            ("mean_attempts", o.meanAttempts.map { .number($0, digits: 3) } ?? .null),
            ("median_attempts", .int(o.medianAttempts)),
        ]
        switch o.method {
        case .exact: fields.append(("method", .string("exact")))
        case .monteCarlo(let trials, _, let censored):
            fields += [("method", .string("monte-carlo")), ("trials", .int(trials)), ("censored", .int(censored))]
        }
        return .object(fields)
    }

    /// One object (schema: docs/json/odds.schema.json).
    private func jsonText(_ r: OddsReport, _ name: String, _ p: PortPersonality) throws -> String {
        JSONValue.object([
            ("version", .int(1)),
            ("personality", .string(name)),
            ("port", .int(port)),
            ("range", .string("\(p.range.lower)-\(p.range.upper)")),
            ("attempts", .int(attempts)),
            ("load", .int(load)),
            ("seed", .string(String(seed))),
            ("verdict", .string(r.verdict.rawValue)),
            ("usable_ports", .int(r.usablePorts)),
            ("odds", Self.oddsJSON(r.odds)),
            ("odds_if_even_ports_held", r.oddsIfPreferredParityHeld.map(Self.oddsJSON) ?? .null),
        ]).compact
    }

    static func percent(_ x: Double) -> String {
        let tenths = (x * 1000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    static func seconds(_ s: Double) -> String {
        let hundredths = Int((s * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) s"
    }
}
