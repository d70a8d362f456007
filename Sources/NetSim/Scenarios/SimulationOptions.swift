import TCPWire

/// Everything that picks one simulated run. Same options, same output, byte for byte.
public struct SimulationOptions: Sendable {
    /// The story to run.
    public var scenario: ScenarioName
    /// The target port, the scenario's default unless given.
    public var port: UInt16
    /// The target address, the loopback of the scenario's family unless given.
    public var host: IPAddress
    /// The personality name, as `--personality` takes it.
    public var personality: String
    /// The seed of every random draw in the run.
    public var seed: UInt64
    /// Attempts the telnet loop makes before it gives up.
    public var maxAttempts: Int
    /// What the telnet client types once connected.
    public var lines: [String]
    /// Whether the client closes the connection after its lines come back.
    public var quit: Bool
    /// Keep every packet and transition (off for the benchmark).
    public var record: Bool

    /// Options for one run; what is not given takes the scenario's default.
    public init(
        scenario: ScenarioName = .seed, port: UInt16? = nil, host: IPAddress? = nil, personality: String,
        seed: UInt64 = 1, maxAttempts: Int = 100_000, lines: [String]? = nil, quit: Bool? = nil, record: Bool = true
    ) {
        self.scenario = scenario
        self.port = port ?? scenario.defaultPort
        self.host = host ?? scenario.defaultHost
        self.personality = personality
        self.seed = seed
        self.maxAttempts = maxAttempts
        switch scenario {
        case .boundSelfConnect, .boundSelfConnectV6, .echoClientClose, .echoServerClose, .echoReset, .halfClose:
            self.lines = lines ?? ["test1"]
        case .selfConnectClose, .refused, .simultaneousOpen: self.lines = lines ?? []
        default: self.lines = lines ?? ["test1", "test2"]
        }
        // The bound captures close after the echo; the article's telnet session stays open.
        switch scenario {
        case .boundSelfConnect, .boundSelfConnectV6, .selfConnectClose, .echoClientClose, .echoReset, .halfClose:
            self.quit = quit ?? true
        default: self.quit = quit ?? false
        }
        self.record = record
    }
}
