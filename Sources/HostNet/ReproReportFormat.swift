import SelfConnectGuard
import TCPWire

/// What a model of this host predicts for the run (filled in by callers that have one: the CLI asks TCPStack's
/// `host` port personality).
public struct ReproPrediction: Sendable, Equatable {
    /// P(self-connect within the run's attempt budget).
    public var probabilityWithin: Double
    public var meanAttempts: Double?
    public var medianAttempts: Int?
    /// How it was computed, e.g. "host personality, Monte Carlo, 100 runs, seed 1".
    public var method: String

    public init(probabilityWithin: Double, meanAttempts: Double?, medianAttempts: Int?, method: String) {
        self.probabilityWithin = probabilityWithin
        self.meanAttempts = meanAttempts
        self.medianAttempts = medianAttempts
        self.method = method
    }

    var text: String {
        var line = "predicted (\(method)): P(self-connect within budget) = \(JSONValue.decimal(probabilityWithin * 100, digits: 1) ?? "?")%"
        if let meanAttempts, let medianAttempts {
            line += ", mean \(Int(meanAttempts.rounded())) attempts, median \(medianAttempts)"
        }
        return line
    }

    var json: JSONValue {
        .object([
            ("probability_within", .number(probabilityWithin, digits: 4)),
            ("mean_attempts", meanAttempts.map { .number($0, digits: 1) } ?? .null),
            ("median_attempts", .int(medianAttempts)),
            ("method", .string(method)),
        ])
    }
}

extension ReproResult {
    /// Whether the run ended in a self-connect.
    public var selfConnected: Bool {
        if case .selfConnected = outcome { return true }
        return false
    }

    /// The human summary, a few lines.
    public func text(options: ReproOptions, predicted: ReproPrediction? = nil) -> String {
        predicted.map { summary(options: options) + "\n" + $0.text } ?? summary(options: options)
    }

    private func summary(options: ReproOptions) -> String {
        let ports = "source ports: first \(firstSourcePort.map(String.init) ?? "?"), last \(lastSourcePort.map(String.init) ?? "?")"
        let pace = "\(attempts) attempt\(attempts == 1 ? "" : "s") in \(JSONValue.decimal(elapsed, digits: 4) ?? "?") s (\(Int(attemptsPerSecond.rounded())) attempts/s)"
        switch outcome {
        case .selfConnected(let local, let remote, let echoed):
            return """
                self-connected after \(pace); \(ports)
                4-tuple: \(local) -> \(remote)
                wrote \(quoted(options.message)), read back \(quoted(echoed))
                """
        case .notReached(let reason):
            return "not reached: \(reason) after \(pace) (\(refused) refused, \(addressUnavailable) without a free port); \(ports)"
        case .interrupted(let signal):
            return "interrupted by \(Self.signalName(signal)) after \(pace) (\(refused) refused, \(addressUnavailable) without a free port); \(ports)"
        }
    }

    /// One JSON object (schema: docs/json/repro.schema.json).
    public func json(options: ReproOptions, predicted: ReproPrediction? = nil, capture: [String]? = nil) -> String {
        var fields: [(String, JSONValue)] = [
            ("version", .int(1)),
            ("result", .string(resultName)),
            ("mode", .string(options.bindFirst ? "bind" : "natural")),
            ("destination", .string(options.destination.description)),
            ("attempts", .int(attempts)),
            ("refused", .int(refused)),
            ("address_unavailable", .int(addressUnavailable)),
            ("elapsed_s", .number(elapsed, digits: 6)),
            ("attempts_per_s", .number(attemptsPerSecond, digits: 1)),
            ("first_source_port", .int(firstSourcePort)),
            ("last_source_port", .int(lastSourcePort)),
        ]
        switch outcome {
        case .selfConnected(let local, let remote, let echoed):
            fields += [
                ("local", .string(local.description)),
                ("remote", .string(remote.description)),
                ("wrote", .string(String(decoding: options.message, as: UTF8.self))),
                ("echoed", .string(String(decoding: echoed, as: UTF8.self))),
            ]
        case .notReached(let reason):
            fields.append(("reason", .string(reason)))
        case .interrupted(let signal):
            fields.append(("signal", .string(Self.signalName(signal))))
        }
        if let predicted { fields.append(("predicted", predicted.json)) }
        if let capture { fields.append(("capture", .strings(capture))) }
        return JSONValue.object(fields).compact
    }

    private var resultName: String {
        switch outcome {
        case .selfConnected: "self-connected"
        case .notReached: "not-reached"
        case .interrupted: "interrupted"
        }
    }

    /// SIGINT, SIGTERM, SIGHUP by name; any other as SIG<number>.
    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 15: "SIGTERM"
        default: "SIG\(signal)"
        }
    }

    private func quoted(_ bytes: [UInt8]) -> String {
        JSONValue.quoted(String(decoding: bytes, as: UTF8.self))
    }
}
