import TCPStack
import TCPWire

/// How a scenario gets a TCP stack for each host, and what it can say about a personality. The engine adapter
/// provides one; tests can provide a double. This keeps scenarios independent of engine internals.
public struct StackFactory<Stack: SimulatedStack>: Sendable {
    /// Personality names accepted by `--personality`, the default first.
    public var personalities: [String]
    /// A stack for one host with the given personality, seeded from the run's generator; `record` says whether
    /// it should keep transitions (off for benchmarks).
    public var make: @Sendable (
        _ personality: String, _ addresses: [IPAddress], _ random: SeededRandom, _ record: Bool
    ) -> Stack
    /// One clause on why an unbound connect() can be given `port` as its source port under this personality
    /// (range, parity, ...), or why it cannot.
    public var reachability: @Sendable (_ personality: String, _ port: UInt16) -> String

    /// A factory from its three parts.
    public init(
        personalities: [String],
        make: @escaping @Sendable (
            _ personality: String, _ addresses: [IPAddress], _ random: SeededRandom, _ record: Bool
        ) -> Stack,
        reachability: @escaping @Sendable (_ personality: String, _ port: UInt16) -> String
    ) {
        self.personalities = personalities
        self.make = make
        self.reachability = reachability
    }
}
