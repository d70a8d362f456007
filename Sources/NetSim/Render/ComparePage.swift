import TCPWire
import TCPStack

/// `simulate --compare A,B,...`: the same scenario and seed under several personalities, side by side, aligned
/// by step (attempt by attempt, then step by step within it). Where a run first differs from the first one, the
/// cell is marked with the reason: what each run did there (the transition and its rule, the segments sent).
public struct Comparison: Sendable {
    /// The runs compared, the first being the reference.
    public var runs: [ExplainerRun]
    /// Aligned rows: (phase, index within phase).
    public var rows: [(phase: Int, index: Int)]
    /// Per run: the row of its first difference from run 0 (nil: none; always nil for run 0).
    public var firstDivergence: [Int?]

    /// Aligns the runs and finds where each first parts from the first one.
    public init(_ runs: [ExplainerRun]) {
        self.runs = runs
        let phases = runs.map { r in (r.steps.map(\.phase).max() ?? -1) + 1 }.max() ?? 0
        var rows: [(Int, Int)] = []
        for p in 0..<phases {
            let n = runs.map { r in r.steps.filter { $0.phase == p }.count }.max() ?? 0
            for k in 0..<n { rows.append((p, k)) }
        }
        self.rows = rows
        firstDivergence = runs.indices.map { i in
            guard i > 0 else { return nil }
            return rows.indices.first { k in
                Self.signature(runs[0].step(rows[k]), in: runs[0]) != Self.signature(runs[i].step(rows[k]), in: runs[i])
            }
        }
    }

    /// What a step did, without the numbers that always differ between systems (ports, ISNs, windows): the
    /// arriving segment's flags, the transitions with their rules, the flags (and SACK) of the segments sent.
    static func signature(_ s: ExplainerRun.Step?, in run: ExplainerRun) -> String {
        guard let s else { return "-" }
        var out = s.trigger.split(separator: " ").prefix(2).joined(separator: " ")
        for t in s.transitions { out += " | \(t.from.linuxName)>\(t.to.linuxName) \(t.rfc) \(t.linux)" }
        for p in s.sent {
            let tcp = run.report.chosenCaptures[p].packet.tcp
            out += " | sends [\(tcp.flags.tcpdumpLetters)]" + (tcp.options.sackBlocks.isEmpty ? "" : " sack")
        }
        out += " | note: \(s.note == nil ? "no" : "yes")"
        return out
    }

    /// The cell text: what arrived, what the rule did, what went out.
    static func describe(_ s: ExplainerRun.Step, in run: ExplainerRun) -> String {
        var parts = [s.trigger]
        for t in s.transitions {
            let move = t.from == t.to ? "stays \(t.to.linuxName)" : "\(t.from.linuxName) -> \(t.to.linuxName)"
            parts.append("\(move) (\(t.rfc); Linux \(t.linux))")
        }
        if let note = s.note { parts.append(note) }
        let sent = s.sent.map { PacketLabel.short(run.report.chosenCaptures[$0].packet.tcp) }
        if !sent.isEmpty { parts.append("sends " + sent.joined(separator: ", ")) }
        return parts.joined(separator: "; ")
    }

    static func ordinal(_ n: Int) -> String {
        ["first", "second", "third"].indices.contains(n - 1) ? ["first", "second", "third"][n - 1] : "#\(n)"
    }

    /// Where the step stands in its attempt, e.g. "the third handshake segment".
    static func position(_ s: ExplainerRun.Step, in run: ExplainerRun) -> String {
        guard let k = s.segmentOrdinal else { return "the step on \(s.trigger), which sends nothing" }
        let connected = run.report.windows.indices.contains(s.phase)
            && run.report.attempts[run.report.windows[s.phase].attempt].result == nil
        return connected && k <= 3 ? "the \(ordinal(k)) handshake segment" : "segment \(k) of the attempt"
    }

    /// Why run i parts from run 0 at its first divergent row.
    public func reason(_ i: Int) -> String? {
        guard let k = firstDivergence[i] else { return nil }
        let a = runs[0], b = runs[i]
        let sa = a.step(rows[k]), sb = b.step(rows[k])
        let at = (sa ?? sb).map { Self.position($0, in: sa != nil ? a : b) } ?? ""
        func what(_ s: ExplainerRun.Step?, _ r: ExplainerRun) -> String {
            s.map { Self.describe($0, in: r) } ?? "nothing (its run has no such step)"
        }
        return "\(b.report.options.personality) parts from \(a.report.options.personality) at step \(k + 1), \(at): "
            + "\(a.report.options.personality): \(what(sa, a)) -- \(b.report.options.personality): \(what(sb, b))"
    }
}

extension ExplainerRun {
    func step(_ row: (phase: Int, index: Int)) -> Step? {
        let inPhase = steps.filter { $0.phase == row.phase }
        return row.index < inPhase.count ? inPhase[row.index] : nil
    }
}

extension HTMLPage {
    /// The compare page: one column per personality, one row per aligned step.
    public static func render(_ c: Comparison) -> String {
        let names = c.runs.map(\.report.options.personality)
        let first = c.runs[0].report
        var page = head(title: "selfconnect: \(first.options.scenario.rawValue) under \(names.joined(separator: ", "))")
        page += "<body data-step=\"0\">\n<header><h1>\(TextFormat.xml(first.options.scenario.rawValue)), seed "
        page += "\(first.options.seed): \(TextFormat.xml(names.joined(separator: " | ")))</h1>\n"
        for r in c.runs {
            page += "<p class=\"summary\"><b>\(TextFormat.xml(r.report.options.personality))</b>: "
            page += "\(TextFormat.xml(r.report.summaryLine))</p>\n"
        }
        page += "<h2>Where they part</h2>\n<ul id=\"divergences\">\n"
        for i in c.runs.indices.dropFirst() {
            let text = c.reason(i) ?? "\(names[i]) does what \(names[0]) does at every step"
            page += "<li data-personality=\"\(TextFormat.xml(names[i]))\" data-row=\"\(c.firstDivergence[i].map { String($0 + 1) } ?? "")\">"
            page += "\(TextFormat.xml(text))</li>\n"
        }
        page += "</ul>\n</header>\n"
        page += controls(count: c.rows.count)
        page += "<main style=\"display:block\">\n<table class=\"compare\" id=\"compare\">\n<thead><tr><th>step</th>"
        for n in names { page += "<th>\(TextFormat.xml(n))</th>" }
        page += "</tr></thead>\n<tbody>\n"
        var lastPhase = -1
        for (k, row) in c.rows.enumerated() {
            if row.phase != lastPhase {
                lastPhase = row.phase
                page += "<tr><th class=\"phase\" colspan=\"\(names.count + 1)\">"
                page += c.runs.map { r in r.phases.indices.contains(row.phase) ? "\(r.report.options.personality): \(r.phases[row.phase])" : "" }
                    .filter { !$0.isEmpty }.map(TextFormat.xml).joined(separator: "<br>")
                page += "</th></tr>\n"
            }
            page += "<tr id=\"row-\(k + 1)\" data-row=\"\(k + 1)\"><th>\(k + 1)</th>"
            for (i, run) in c.runs.enumerated() {
                let diverges = c.firstDivergence[i] == k
                page += "<td data-personality=\"\(TextFormat.xml(names[i]))\"\(diverges ? " class=\"diverges\" data-first-divergence=\"true\"" : "")>"
                if let s = run.step(row) {
                    page += "<div class=\"mono\">\(TextFormat.seconds(s.time)) s \(TextFormat.xml(s.socket))</div>"
                    page += TextFormat.xml(Comparison.describe(s, in: run))
                    for t in s.transitions {
                        page += "<span class=\"move\" data-from=\"\(t.from.linuxName)\" data-to=\"\(t.to.linuxName)\" "
                        page += "data-rfc=\"\(TextFormat.xml(t.rfc))\" data-linux=\"\(TextFormat.xml(t.linux))\"></span>"
                    }
                    if let a = s.after { page += "<div><b>\(a.state.linuxName)</b> after</div>" }
                } else {
                    page += "-"
                }
                if diverges {
                    page += "<div class=\"reason\">first difference from \(TextFormat.xml(names[0])): "
                    page += "\(TextFormat.xml(run.step(row).map { Comparison.position($0, in: run) } ?? "no such step"))</div>"
                }
                page += "</td>"
            }
            page += "</tr>\n"
        }
        page += "</tbody>\n</table>\n</main>\n"
        page += data(.object([("steps", .array(c.rows.indices.map { .int($0 + 1) }))]))
        page += "<script>\n" + commonScript + "\n" + compareScript + "\n" + navScript + "\n</script>\n</body>\n</html>\n"
        return page
    }

    static let compareScript = """
        function renderStep(s) {}
        function highlight(i) {
          for (const e of document.querySelectorAll("tr.current")) e.classList.remove("current");
          const r = $("row-" + (i + 1)); r.classList.add("current");
          if (r.scrollIntoView) r.scrollIntoView({ block: "nearest" });
        }
        """
}
