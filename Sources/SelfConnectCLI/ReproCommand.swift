import ArgumentParser
import HostNet
import SelfConnectGuard
import TCPStack
import TUNLink

#if canImport(Glibc)
import Glibc
#endif

struct ReproCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repro",
        abstract: "Reproduce self-connect on this machine's kernel.",
        discussion: """
            Retries connect() to HOST:PORT from kernel-chosen source ports until the kernel picks PORT itself, \
            then writes a line, reads it back and closes. Exit 0 on self-connect, 1 when not reached, 2 on bad input. \
            On SIGINT or SIGTERM it prints the summary so far ("interrupted by SIGINT after N attempts ...") and \
            exits 128 + the signal: 130 or 143.
            """
    )

    @Option(help: "An address of this machine (loopback); the self-connect needs the same address at both ends.")
    var host = "127.0.0.1"

    @Option(help: "The destination port P (nothing may listen on it).")
    var port = 50000

    @Flag(help: "bind(P) then connect(P): a self-connect in one attempt.")
    var bind = false

    @Option(help: "Give up after this many attempts (default 200000).")
    var maxAttempts: Int?

    // .unconditional: "--timeout -1" reaches the range check instead of reading as a missing value.
    @Option(parsing: .unconditional, help: "Give up after this many seconds.")
    var timeout = 60.0

    @Option(help: "Narrow this run's ephemeral range with IP_LOCAL_PORT_RANGE (Linux >= 6.3), e.g. 49990-50010.")
    var portRange: String?

    @Flag(help: "Capture the self-connected flow on lo (root) and print its segments.")
    var capture = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        let options = try validatedOptions()
        do {
            if let refusal = try Repro.refusal(for: options, acceptOtherParity: maxAttempts != nil) {
                throw ValidationError(refusal.description)
            }
        } catch let error as HostNetError {
            throw ValidationError("cannot check port \(port): \(error)")
        }
        // From here SIGINT/SIGTERM/SIGHUP end the loop with a summary instead of killing the process.
        let signals: SignalWatch
        do { signals = try SignalWatch() } catch { throw ValidationError("cannot catch signals: \(error)") }
        defer { signals.remove() }
        guard capture else { return try report(loop(options, signals), options: options, capture: nil) }
        let sniffer: PacketCapture
        do { sniffer = try PacketCapture(selfConnectPort: options.destination.port) } catch {
            throw ValidationError("\(error)")
        }
        let result = try loop(options, signals)
        try report(result, options: options, capture: CaptureText.lines(for: sniffer.drain()))
    }

    private func loop(_ options: ReproOptions, _ signals: SignalWatch) throws -> ReproResult {
        let showProgress = !json && isatty(STDERR_FILENO) == 1
        defer { if showProgress { Self.clearProgress() } }
        let progress: ((ReproProgress) -> Void)? = showProgress ? { Self.showProgress($0) } : nil
        do {
            return try Repro.run(options, progress: progress, interrupted: { signals.caughtSignal() })
        } catch {
            throw ValidationError("repro failed: \(error)")
        }
    }

    private func report(_ result: ReproResult, options: ReproOptions, capture lines: [String]?) throws {
        let predicted = prediction(for: options)
        if json {
            print(result.json(options: options, predicted: predicted, capture: lines))
        } else {
            print(result.text(options: options, predicted: predicted))
            if let lines {
                print(lines.isEmpty ? "capture: no segment of the self-connected flow was seen" : "capture on lo:")
                lines.forEach { print($0) }
            }
        }
        if case .interrupted(let signal) = result.outcome { throw ExitCode(128 + signal) }
        if !result.selfConnected { throw ExitCode(1) }
    }

    /// The odds of TCPStack's `host` port personality (this host's sysctls) for the natural loop as run; nil for
    /// `--bind` and `--port-range` (the model knows only the namespace-wide range) or unreadable sysctls.
    private func prediction(for options: ReproOptions) -> ReproPrediction? {
        guard !options.bindFirst, options.localPortRange == nil,
              let snapshot = try? SysctlSnapshot(parsing: HostSysctls.read(SysctlSnapshot.paths))
        else { return nil }
        let trials = 100
        let query = OddsQuery(personality: .host(snapshot), target: options.destination.port,
                              attempts: options.maxAttempts, seed: 1, trials: trials)
        let odds = SelfConnectOdds.compute(query).odds
        let method: String
        switch odds.method {
        case .exact: method = "host personality, exact"
        case .monteCarlo(let runs, let seed, _): method = "host personality, Monte Carlo, \(runs) runs, seed \(seed)"
        }
        return ReproPrediction(probabilityWithin: odds.probabilityWithin, meanAttempts: odds.meanAttempts,
                               medianAttempts: odds.medianAttempts, method: method)
    }

    /// Checks every argument before any packet is sent; each failure is one line and exit 2.
    func validatedOptions() throws -> ReproOptions {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1-65535, got \(port)") }
        guard let destination = SocketEndpoint(numericHost: host, port: UInt16(port)) else {
            throw ValidationError("--host must be a numeric IPv4 or IPv6 address, got '\(host)'")
        }
        guard LocalAddresses.contains(destination.address) else {
            throw ValidationError("--host \(host) is not an address of this machine; a self-connect needs the same address at both ends")
        }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
        if let maxAttempts, maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1, got \(maxAttempts)") }
        var options = ReproOptions(destination: destination)
        options.bindFirst = bind
        options.maxAttempts = maxAttempts ?? options.maxAttempts
        options.timeLimit = timeout
        if let portRange {
            let bounds = portRange.split(separator: "-").compactMap { UInt16($0) }
            guard bounds.count == 2, bounds[0] >= 1, bounds[0] <= bounds[1] else {
                throw ValidationError("--port-range must be LOW-HIGH within 1-65535, got '\(portRange)'")
            }
            options.localPortRange = bounds[0]...bounds[1]
        }
        return options
    }

    private static func showProgress(_ p: ReproProgress) {
        let port = p.currentSourcePort.map(String.init) ?? "?"
        var line = "\r\u{1b}[K\(p.attempts) attempts, \(Int(p.attemptsPerSecond.rounded()))/s, source port \(port)"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    private static func clearProgress() {
        var line = "\r\u{1b}[K"
        line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
