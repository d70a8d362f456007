import TCPStack

/// The `%{ ... }%` blocks public corpora write: Python asserts on the `tcp_info` of the last socket a call used,
/// `assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd`. We evaluate comparisons (`== != < <= > >=`, joined by `and`) of
/// integers and the fields below; `print(...)` is ignored. An assert we cannot evaluate is a check we cannot make,
/// so it fails the script even with `--allow-unsupported` (which skips set-up, never checks).
///
/// | field | engine value |
/// |---|---|
/// | `tcpi_state` | the state, numbered as Linux's `TCP_ESTABLISHED` ... `TCP_CLOSING`; `TCPI_*`/`TCP_*` names |
/// | `tcpi_snd_cwnd`, `tcpi_snd_ssthresh` | congestion window and ssthresh in segments |
/// | `tcpi_snd_mss`, `tcpi_advmss` | MSS sent with, MSS announced |
/// | `tcpi_last_data_recv` | milliseconds since data (or the handshake's end) last arrived |
/// | `tcpi_busy_time`, `tcpi_rwnd_limited`, `tcpi_sndbuf_limited` | Linux's send chronographs, microseconds |
/// | `tcpi_probes`, `tcpi_backoff` | persist probes unanswered, interval doublings |
/// | `tcpi_ca_state` (`TCP_CA_Open` ... `TCP_CA_Loss`), `tcpi_unacked`, `tcpi_sacked` | congestion state, segments in flight and SACKed |
/// | `tcpi_rtt` | the smoothed RTT in microseconds |
/// | `tcpi_bytes_received` | sequence space received in order after the SYN (FIN included) |
/// | `tcpi_lost`, `tcpi_retrans`, `tcpi_reordering` | segments marked lost, resent and not yet delivered; DupThresh in segments |
/// | `tcpi_options` | `TCPI_OPT_TIMESTAMPS` 1, `_SACK` 2, `_WSCALE` 4, `_ECN` 8; `(A \| B)` of those names folds to a number |
enum CodeAssertions {
    enum Verdict: Equatable {
        case holds
        case fails(String)
        case cannotCheck(String)
    }

    /// Linux's state numbers (include/net/tcp_states.h).
    static func number(_ s: TCPState) -> Int {
        switch s {
        case .established: 1
        case .synSent: 2
        case .synReceived: 3
        case .finWait1: 4
        case .finWait2: 5
        case .timeWait: 6
        case .closed: 7
        case .closeWait: 8
        case .lastAck: 9
        case .listen: 10
        case .closing: 11
        }
    }

    static let stateNames: [String: Int] = {
        var names: [String: Int] = [:]
        let spellings: [(TCPState, [String])] = [
            (.established, ["ESTABLISHED"]), (.synSent, ["SYN_SENT"]), (.synReceived, ["SYN_RECV", "SYN_RECEIVED"]),
            (.finWait1, ["FIN_WAIT1", "FIN_WAIT_1"]), (.finWait2, ["FIN_WAIT2", "FIN_WAIT_2"]),
            (.timeWait, ["TIME_WAIT"]), (.closed, ["CLOSE", "CLOSED"]), (.closeWait, ["CLOSE_WAIT"]),
            (.lastAck, ["LAST_ACK"]), (.listen, ["LISTEN"]), (.closing, ["CLOSING"]),
        ]
        for (state, words) in spellings {
            for w in words {
                names["TCPI_" + w] = number(state)
                names["TCP_" + w] = number(state)
            }
        }
        return names
    }()

    /// `TCPI_OPT_*` flags, for `tcpi_options` (include/uapi/linux/tcp.h; FreeBSD netinet/tcp.h numbers them alike).
    static let optionFlags: [String: Int] = [
        "TCPI_OPT_TIMESTAMPS": 1, "TCPI_OPT_SACK": 2, "TCPI_OPT_WSCALE": 4, "TCPI_OPT_ECN": 8,
    ]

    /// The clause with each `(A | B | ...)` of numbers and `TCPI_OPT_*` names replaced by its value; nil when a
    /// group holds anything else.
    static func foldingBitwiseOr(_ clause: String) -> String? {
        var text = clause
        while let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") {
            var value = 0
            for term in text[text.index(after: open)..<close].split(separator: "|") {
                let name = ShellInterpreter.trim(String(term))
                guard let n = Int(name) ?? optionFlags[name] else { return nil }
                value |= n
            }
            text.replaceSubrange(open...close, with: String(value))
        }
        return text
    }

    static func evaluate(_ code: String, info: TCPInfo?) -> Verdict {
        // A backslash ends a Python line that continues on the next one.
        let joined = code.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.last == "\\" ? String($0.dropLast()) + " " : String($0) + "\n" }.joined()
        for raw in joined.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let text = ShellInterpreter.trim(String(line))
            if text.isEmpty || text.hasPrefix("print(") { continue }
            guard text.hasPrefix("assert ") else { return .cannotCheck("code '\(text)'") }
            // `assert EXPR, message`: the message (after the first top-level comma) is not evaluated.
            var expr = String(text.dropFirst("assert ".count))
            if let comma = expr.firstIndex(of: ",") { expr = String(expr[..<comma]) }
            for clause in expr.split(separator: " and ") {
                switch compare(ShellInterpreter.trim(String(clause)), info: info) {
                case .holds: continue
                case let other: return other
                }
            }
        }
        return .holds
    }

    static func compare(_ clause: String, info: TCPInfo?) -> Verdict {
        guard let clause = foldingBitwiseOr(clause) else { return .cannotCheck("expression '\(clause)'") }
        let words = clause.split(separator: " ").map(String.init)
        // Python chains comparisons: `990 <= x <= 1010` is `990 <= x and x <= 1010`.
        if words.count > 3 && words.count % 2 == 1 {
            for i in stride(from: 0, to: words.count - 2, by: 2) {
                let verdict = compare(words[i...(i + 2)].joined(separator: " "), info: info)
                if verdict != .holds { return verdict }
            }
            return .holds
        }
        guard words.count == 3 else { return .cannotCheck("expression '\(clause)'") }
        /// The value, or nil when the engine does not report it.
        func value(_ w: String) -> Int? {
            if let n = Int(w) { return n }
            if let n = stateNames[w] { return n }
            guard let info else { return nil }
            switch w {
            case "tcpi_state": return number(info.state)
            case "tcpi_snd_cwnd": return info.congestionWindowSegments
            case "tcpi_snd_ssthresh": return info.slowStartThresholdSegments
            case "tcpi_snd_mss": return info.sendMSS
            case "tcpi_advmss": return info.advertisedMSS
            case "tcpi_last_data_recv": return info.lastDataReceivedMilliseconds
            case "tcpi_rtt": return info.smoothedRTTMicroseconds
            case "tcpi_bytes_received": return info.bytesReceived
            case "tcpi_options": return info.options
            default: return congestionField(w, info)
            }
        }
        guard let l = value(words[0]) else { return .cannotCheck("\(words[0]) is not reported by the engine") }
        guard let r = value(words[2]) else { return .cannotCheck("\(words[2]) is not reported by the engine") }
        let holds: Bool
        switch words[1] {
        case "==": holds = l == r
        case "!=": holds = l != r
        case "<": holds = l < r
        case "<=": holds = l <= r
        case ">": holds = l > r
        case ">=": holds = l >= r
        default: return .cannotCheck("operator '\(words[1])'")
        }
        return holds ? .holds : .fails("assert \(clause): \(words[0]) is \(l)")
    }
}
