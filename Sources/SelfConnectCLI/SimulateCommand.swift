import ArgumentParser
import Foundation
import NetSim
import TCPStack
import TCPWire

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay the article's self-connect story on the deterministic simulator.",
        discussion: """
            With no output flag it prints the story as telnet would, then a summary. --trace, --netstat, --explain \
            and --json print those instead (in that order); --pcap, --svg and --html write files; --compare runs \
            several personalities side by side. \
            Same options and seed, same bytes.
            """
    )

    @Flag(help: "List the scenarios, one line each.")
    var list = false

    @Option(help: "The scenario to run (see --list).")
    var scenario = ScenarioName.seed.rawValue

    @Option(help: "Destination port P (default: the scenario's, 50000 for the seed).")
    var port: Int?

    @Option(help: "Destination address (default 127.0.0.1, ::1 for the -v6 scenarios).")
    var host: String?

    @Option(help: """
        Kernel personality: \(SimulationEngine.personalities.joined(separator: ", ")) \
        (default \(Personality.linux310.name), the article's; \(Personality.hostName): \(Personality.linux6.name) with \
        this machine's sysctls).
        """)
    var personality = Personality.linux310.name

    @Option(help: "Seed of the run's random generator (an unsigned 64-bit integer).")
    var seed = "1"

    @Option(help: "Give up after this many connect() attempts (at most 1000000).")
    var maxAttempts = 100_000

    @Option(name: .customLong("type"), help: "A line the client types once connected (repeatable; default test1 test2).")
    var typed: [String] = []

    @Flag(help: "The client closes the connection once its lines have come back.")
    var quit = false

    @Flag(help: "tcpdump -nn lines of the last refused attempt and the connection.")
    var trace = false

    @Flag(name: .customLong("trace-all"), help: "tcpdump -nn lines of every packet (also spelled --trace=all).")
    var traceAll = false

    @Flag(help: "netstat -tn lines at the end of the run.")
    var netstat = false

    @Flag(help: "One line per state transition: time, socket, from -> to, cause, RFC section, Linux function.")
    var explain = false

    @Flag(help: "A JSON summary: attempts, final 4-tuple, states and packets.")
    var json = false

    @Option(help: "Write a pcap of the whole run to FILE.")
    var pcap: String?

    @Option(help: "Write an SVG ladder diagram and state diagram to FILE.")
    var svg: String?

    @Option(help: "Write a self-contained page to FILE that steps through the run: ladder, state diagram, TCBs, rules.")
    var html: String?

    @Option(help: "Run the scenario under each of these comma-separated personalities and say where each parts from the first (with --html, a side-by-side page).")
    var compare: String?

    /// `--trace=all` is the documented spelling; argument-parser flags take no value, so it becomes `--trace-all`.
    static func normalized(_ arguments: [String]) -> [String] {
        guard arguments.first == "simulate" else { return arguments }
        return arguments.map { $0 == "--trace=all" ? "--trace-all" : $0 }
    }

    func run() async throws {
        if list {
            let width = ScenarioName.allCases.map(\.rawValue.count).max() ?? 0
            for s in ScenarioName.allCases {
                print(s.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + s.summary)
            }
            return
        }
        if let compare { return try runCompare(compare) }
        var options = try validatedOptions()
        options.recordSteps = html != nil
        let htmlURL = try html.map { try Self.writableFile($0, flag: "--html") }
        let snapshot = personality == Personality.hostName ? try PersonalityOption.hostSnapshot() : nil
        let pcapURL = try pcap.map { try Self.writableFile($0, flag: "--pcap") }
        let svgURL = try svg.map { try Self.writableFile($0, flag: "--svg") }

        let report = try SimulationEngine.run(options, host: snapshot)

        var out: [String] = []
        let chosen = trace || traceAll || netstat || explain || json
        if !chosen {
            out += report.story.map(\.text)
            out.append(report.summaryLine)
        }
        if trace || traceAll { out += report.traceLines(all: traceAll) }
        if netstat { out += report.netstatLines }
        if explain { out += report.explainLines }
        if json { out.append(report.json) }
        FileHandle.standardOutput.write(Data((out.joined(separator: "\n") + "\n").utf8))

        if let pcapURL { try Self.write(Data(report.pcapBytes), to: pcapURL) }
        if let svgURL { try Self.write(Data(report.svg.utf8), to: svgURL) }
        if let htmlURL { try Self.write(Data(HTMLPage.render(ExplainerRun(report)).utf8), to: htmlURL) }
    }

    func validatedOptions() throws -> SimulationOptions {
        guard let name = ScenarioName(rawValue: scenario) else {
            throw ValidationError(
                "unknown scenario '\(scenario)' (one of: \(ScenarioName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        // The name only: "host" reads this machine's sysctls in run().
        do { _ = try Personality.named(personality, host: SysctlSnapshot()) } catch {
            throw ValidationError(error.description)
        }
        if let port, !(1...65535).contains(port) {
            throw ValidationError("port \(port) is out of range (1-65535)")
        }
        guard let seedValue = UInt64(seed) else {
            throw ValidationError("seed '\(seed)' is not an unsigned 64-bit integer")
        }
        guard (1...1_000_000).contains(maxAttempts) else {
            throw ValidationError("--max-attempts must be between 1 and 1000000")
        }
        var address: IPAddress?
        if let host {
            guard let parsed = Self.parseAddress(host) else {
                throw ValidationError("host '\(host)' is not an IPv4 or IPv6 address")
            }
            address = parsed
        }
        return SimulationOptions(
            scenario: name, port: port.map { UInt16($0) }, host: address, personality: personality, seed: seedValue,
            maxAttempts: maxAttempts, lines: typed.isEmpty ? nil : typed, quit: quit ? true : nil)
    }

    static func parseAddress(_ text: String) -> IPAddress? {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return .v4(IPv4Address(rawValue: UInt32(bigEndian: v4.s_addr))) }
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        return .v6(IPv6Address(groups: groups))
    }

    /// Checks before the run that an output file can be created, so bad paths fail fast with exit 2.
    static func writableFile(_ path: String, flag: String) throws -> URL {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue,
            FileManager.default.isWritableFile(atPath: dir),
            !FileManager.default.fileExists(atPath: path) || FileManager.default.isWritableFile(atPath: path)
        else {
            throw ValidationError("\(flag): cannot write '\(path)'")
        }
        return url
    }

    static func write(_ data: Data, to url: URL) throws {
        do { try data.write(to: url) } catch {
            throw ValidationError("cannot write '\(url.path)': \(error.localizedDescription)")
        }
    }
}
