import TCPStack
import TCPWire

/// The explainer's data as JSON (ordered keys: same run, same bytes), embedded in the page.
extension ExplainerRun {
    static func tcb(_ t: TCBSnapshot?) -> JSONValue {
        guard let t else { return .null }
        return .object([
            ("state", .string(t.state.linuxName)),
            ("sndUna", .int(Int64(t.sndUna))), ("sndNxt", .int(Int64(t.sndNxt))), ("sndWnd", .int(t.sndWnd)),
            ("rcvNxt", .int(Int64(t.rcvNxt))), ("rcvWnd", .int(t.rcvWnd)),
            ("iss", .int(Int64(t.iss))), ("irs", .int(Int64(t.irs))),
            ("timers", .array(t.timers.map { .string("\($0.kind.rawValue) at \(TextFormat.seconds($0.deadline)) s") })),
        ])
    }

    /// The packets shown, in `--json`'s order, with their tcpdump line and decoded fields.
    var packetsJSON: JSONValue {
        let lines = report.traceLines(all: false)
        return .array(report.chosenCaptures.enumerated().map { i, c in
            let tcp = c.packet.tcp
            let line = lines[i]
            var options = ""
            if let open = line.firstRange(of: "options ["), let close = line[open.upperBound...].firstIndex(of: "]") {
                options = String(line[open.upperBound..<close])
            }
            return .object([
                ("time", .string(TextFormat.seconds(c.time))),
                ("interface", .string(c.interface)),
                ("source", .string(AddressText.endpoint(c.packet.source))),
                ("destination", .string(AddressText.endpoint(c.packet.destination))),
                ("flags", .string(tcp.flags.tcpdumpLetters)),
                ("seq", .int(Int64(tcp.sequenceNumber))),
                ("ack", .int(Int64(tcp.acknowledgmentNumber))),
                ("window", .int(Int(tcp.window))),
                ("length", .int(tcp.payload.count)),
                ("options", .string(options)),
                ("label", .string(PacketLabel.short(tcp))),
                ("tcpdump", .string(line)),
            ])
        })
    }

    var stepsJSON: JSONValue {
        var chosen: [TransitionRecord: [Int]] = [:]
        for (i, t) in report.chosenTransitions.enumerated() { chosen[t, default: []].append(i) }
        var used = Set<Int>()
        return .array(steps.enumerated().map { n, s in
            let transitions = s.transitions.map { t -> JSONValue in
                let row = chosen[t]?.first { !used.contains($0) }
                if let row { used.insert(row) }
                let arc = t.from == t.to ? nil : StateDiagram.edgeIndex(from: t.from, to: t.to)
                return .object([
                    ("row", row.map { .int($0) } ?? .null),
                    ("time", .string(TextFormat.seconds(t.time))),
                    ("socket", .string(t.socket)),
                    ("from", .string(t.from.linuxName)), ("to", .string(t.to.linuxName)),
                    ("cause", .string(t.cause)), ("rfc", .string(t.rfc)), ("linux", .string(t.linux)),
                    ("summary", .string(RuleSummary.of(t))),
                    ("arc", arc.map { .int($0) } ?? .null),
                ])
            }
            return .object([
                ("n", .int(n + 1)),
                ("phase", .int(s.phase)),
                ("time", .string(TextFormat.seconds(s.time))),
                ("socket", .string(s.socket)),
                ("trigger", .string(s.trigger)),
                ("received", s.received.map { .int($0) } ?? .null),
                ("sent", .array(s.sent.map { .int($0) })),
                ("segment", s.segmentOrdinal.map { .int($0) } ?? .null),
                ("transitions", .array(transitions)),
                ("before", Self.tcb(s.before)),
                ("after", Self.tcb(s.after)),
                ("note", s.note.map { .string($0) } ?? .null),
            ])
        })
    }

    /// Everything the page script reads.
    var json: JSONValue {
        .object([
            ("scenario", .string(report.options.scenario.rawValue)),
            ("personality", .string(report.options.personality)),
            ("seed", .string(String(report.options.seed))),
            ("summary", .string(report.summaryLine)),
            ("phases", .array(phases.map { .string($0) })),
            ("packets", packetsJSON),
            ("steps", stepsJSON),
        ])
    }
}
