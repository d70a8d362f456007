import SelfConnectGuard

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
        var line = "predicted (\(method)): P(self-connect within budget) = \(JSONText.number(probabilityWithin * 100, digits: 1))%"
        if let meanAttempts, let medianAttempts {
            line += ", mean \(Int(meanAttempts.rounded())) attempts, median \(medianAttempts)"
        }
        return line
    }

    var json: String {
        JSONText.object([
            ("probability_within", JSONText.number(probabilityWithin, digits: 4)),
            ("mean_attempts", meanAttempts.map { JSONText.number($0, digits: 1) } ?? "null"),
            ("median_attempts", medianAttempts.map(String.init) ?? "null"),
            ("method", JSONText.string(method)),
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
        let pace = "\(attempts) attempt\(attempts == 1 ? "" : "s") in \(JSONText.number(elapsed, digits: 4)) s (\(Int(attemptsPerSecond.rounded())) attempts/s)"
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

    /// One JSON object.
    public func json(options: ReproOptions, predicted: ReproPrediction? = nil, capture: [String]? = nil) -> String {
        var fields: [(String, String)] = [
            ("result", JSONText.string(resultName)),
            ("mode", JSONText.string(options.bindFirst ? "bind" : "natural")),
            ("destination", JSONText.string(options.destination.description)),
            ("attempts", String(attempts)),
            ("refused", String(refused)),
            ("address_unavailable", String(addressUnavailable)),
            ("elapsed_s", JSONText.number(elapsed, digits: 6)),
            ("attempts_per_s", JSONText.number(attemptsPerSecond, digits: 1)),
            ("first_source_port", firstSourcePort.map(String.init) ?? "null"),
            ("last_source_port", lastSourcePort.map(String.init) ?? "null"),
        ]
        switch outcome {
        case .selfConnected(let local, let remote, let echoed):
            fields += [
                ("local", JSONText.string(local.description)),
                ("remote", JSONText.string(remote.description)),
                ("wrote", JSONText.string(String(decoding: options.message, as: UTF8.self))),
                ("echoed", JSONText.string(String(decoding: echoed, as: UTF8.self))),
            ]
        case .notReached(let reason):
            fields.append(("reason", JSONText.string(reason)))
        case .interrupted(let signal):
            fields.append(("signal", JSONText.string(Self.signalName(signal))))
        }
        if let predicted { fields.append(("predicted", predicted.json)) }
        if let capture { fields.append(("capture", JSONText.array(capture.map(JSONText.string)))) }
        return JSONText.object(fields)
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
        String(JSONText.string(String(decoding: bytes, as: UTF8.self)))
    }
}
