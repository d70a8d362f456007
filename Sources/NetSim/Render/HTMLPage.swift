import TCPWire
import TCPStack

/// `simulate --html`: one self-contained page (inline CSS, script, SVG and data; nothing fetched) that steps
/// through a run: the ladder with the current packet, RFC 9293's state diagram with the current arc and the path
/// so far, the tcpdump line and its fields, the TCB before and after, and the rule that fired. Same run, same bytes.
public enum HTMLPage {
    /// The whole page for one run, as UTF-8 text.
    public static func render(_ run: ExplainerRun) -> String {
        let r = run.report
        let (ladder, tags) = r.ladderWithTags
        var page = head(title: "selfconnect: \(ladder.title)")
        page += "<body data-step=\"0\">\n<header><h1>\(TextFormat.xml(ladder.title))</h1>\n"
        page += "<p class=\"summary\">\(TextFormat.xml(r.summaryLine))</p>\n"
        page += hiddenAttempts(r)
        page += "</header>\n"
        page += controls(count: run.steps.count)
        page += "<main>\n<section id=\"ladder-pane\" aria-label=\"ladder diagram\">\n"
        page += svg(width: ladder.width, height: ladder.height, body: ladder.elements(top: 0, rowIDs: tags))
        page += "</section>\n<section id=\"detail\" aria-live=\"polite\">\n"
        page += """
            <h2 id="phase"></h2>
            <p id="where"></p>
            <p id="trigger"></p>
            <div id="rule"></div>
            <p id="note"></p>
            <h3>Packet</h3>
            <pre id="tcpdump"></pre>
            <table id="fields"></table>
            <h3>TCB of <span id="tcb-socket"></span></h3>
            <table id="tcb"><thead><tr><th></th><th>before</th><th>after</th></tr></thead><tbody></tbody></table>

            """
        page += "</section>\n<section id=\"states-pane\" aria-label=\"RFC 9293 state diagram\">\n"
        let states = StateDiagram(title: "RFC 9293 figure 5: the current move and the path so far", path: [])
        page += svg(width: StateDiagram.width, height: StateDiagram.height, body: states.elements(top: 0, edgeIDs: true))
        page += "</section>\n</main>\n"
        page += data(run.json)
        page += "<script>\n\(script)\n</script>\n</body>\n</html>\n"
        return page
    }

    // MARK: parts shared with the compare page

    static func head(title: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            + "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
            + "<title>\(TextFormat.xml(title))</title>\n<style>\n\(style)\n</style>\n</head>\n"
    }

    static func controls(count: Int) -> String {
        "<nav id=\"controls\"><button id=\"prev\" type=\"button\" title=\"previous step (left arrow)\">&#9664; previous</button>"
            + "<input id=\"scrubber\" type=\"range\" min=\"1\" max=\"\(max(count, 1))\" value=\"1\" aria-label=\"step\">"
            + "<button id=\"next\" type=\"button\" title=\"next step (right arrow)\">next &#9654;</button>"
            + "<span id=\"stepno\">step 1 of \(count)</span>"
            + "<span class=\"hint\">keys: &#8592; &#8594; Home End; link to a step: #step-N</span></nav>\n"
    }

    static func svg(width: Double, height: Double, body: String) -> String {
        let w = StateDiagram.r(width), h = StateDiagram.r(height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\">\n"
            + SVGDocument.style + body + "</svg>\n"
    }

    /// The data, as JSON in a non-executed script element (`</` escaped so it cannot close the element).
    static func data(_ json: JSONValue) -> String {
        var text = json.pretty
        text = text.replacing("</", with: "<\\/")
        return "<script type=\"application/json\" id=\"explainer-data\">\n\(text)\n</script>\n"
    }

    /// The attempts not drawn (the retry loop's thousands), summarised in an expandable block: how many, how
    /// they ended, and their source ports in order as runs of consecutive ports.
    static func hiddenAttempts(_ r: SimulationReport) -> String {
        let shown = Set(r.windows.map(\.attempt))
        let hidden = r.attempts.indices.filter { !shown.contains($0) }
        guard !hidden.isEmpty else { return "" }
        // How every attempt but the one shown last ended ("20,785 refused"), and the ports of those not drawn.
        let target = r.windows.count > 1 ? r.windows.last?.attempt : nil
        var outcomes: [String: Int] = [:]
        var order: [String] = []
        for i in r.attempts.indices where i != target {
            let what = r.attempts[i].result.map { $0 == .connectionRefused ? "refused" : "failed with \($0.strerror)" }
                ?? "still connecting"
            if outcomes[what] == nil { order.append(what) }
            outcomes[what, default: 0] += 1
        }
        let counts = order.map { "\(TextFormat.grouped(outcomes[$0]!)) \($0)" }.joined(separator: ", ")
        var runs: [String] = []
        var start: UInt16?, last: UInt16?
        func flush() {
            guard let s = start, let l = last else { return }
            runs.append(s == l ? "\(s)" : "\(s)-\(l)")
        }
        for i in hidden {
            let p = r.attempts[i].local?.port
            if let p, let l = last, p == l &+ 1 { last = p; continue }
            flush()
            start = p
            last = p
        }
        flush()
        let limit = 3000
        var ports = runs.prefix(limit).joined(separator: " ")
        if runs.count > limit { ports += " ... (\(TextFormat.grouped(runs.count - limit)) more runs)" }
        let drawn = r.windows.count > 1
            ? "The refused attempt just before attempt \(TextFormat.grouped(r.windows[1].attempt + 1)) is drawn in full below; "
            : "The last refused attempt is drawn in full below; "
        var s = "<details id=\"hidden-attempts\"><summary>Attempts: \(TextFormat.xml(counts)). \(drawn)"
        s += "the other \(TextFormat.grouped(hidden.count)) are summarised here: expand for their source ports.</summary>\n"
        s += "<p>Each was a fresh socket and connect() that went like the refused attempt drawn below (first at \(TextFormat.seconds(r.attempts[hidden.first!].start)) s, "
        s += "last at \(TextFormat.seconds(r.attempts[hidden.last!].start)) s). Source ports, in order "
        s += "(a-b: every port from a to b):</p>\n<p class=\"ports\">\(ports)</p></details>\n"
        return s
    }

    static let style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
        header { padding: 10px 18px 4px; }
        h1 { font-size: 19px; margin: 4px 0; }
        h2 { font-size: 16px; margin: 4px 0 6px; }
        h3 { font-size: 14px; margin: 12px 0 4px; }
        .summary { font-size: 13px; color: #444; margin: 4px 0; }
        details { font-size: 13px; margin: 6px 0; }
        details summary { cursor: pointer; color: #1f4e79; }
        .ports { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; max-height: 160px; overflow: auto;
          word-break: break-all; background: #fff; border: 1px solid #ddd; padding: 4px; }
        nav { position: sticky; top: 0; z-index: 2; background: #eef2f5; border-bottom: 1px solid #ccd;
          padding: 8px 18px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
        nav button { font-size: 14px; padding: 4px 10px; }
        #scrubber { width: 320px; }
        #stepno { font-weight: bold; min-width: 110px; }
        .hint { font-size: 12px; color: #666; }
        main { display: grid; grid-template-columns: minmax(0, 1fr) 460px; grid-template-areas: "ladder detail" "states detail";
          gap: 12px; padding: 12px 18px; align-items: start; }
        main svg { width: 100%; height: auto; display: block; }
        #ladder-pane { grid-area: ladder; overflow: auto; max-height: 62vh; background: #fff; border: 1px solid #ddd; }
        #states-pane { grid-area: states; background: #fff; border: 1px solid #ddd; }
        #detail { grid-area: detail; position: sticky; top: 56px; background: #fff; border: 1px solid #ddd;
          padding: 10px 14px; font-size: 14px; }
        #tcpdump { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; white-space: pre-wrap; word-break: break-all;
          background: #f4f6f7; padding: 6px; margin: 4px 0; }
        table { border-collapse: collapse; font-size: 13px; }
        td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
        td.num { font-family: "DejaVu Sans Mono", monospace; }
        tr.changed td.after { background: #fdebd0; font-weight: bold; }
        .rule { border-left: 4px solid #c0392b; padding: 2px 8px; margin: 6px 0; }
        .rule .move { font-weight: bold; }
        .rule .cite { font-size: 12px; color: #555; }
        #note:empty { display: none; }
        #note { border-left: 4px solid #7f8c8d; padding: 2px 8px; }
        g.row.current .packet { stroke: #c0392b; stroke-width: 2.4; }
        g.row.current .plabel { fill: #c0392b; font-weight: bold; }
        g.row.sent .packet { stroke: #e67e22; stroke-width: 2.2; }
        g.row.current .state { stroke: #c0392b; stroke-width: 2.5; }
        g.row.current .remark { fill: #c0392b; font-weight: bold; }
        g.arc.taken .edge { stroke: #e59866; stroke-width: 3; }
        g.arc.taken .elabel { fill: #a04000; }
        g.arc.current .edge { stroke: #c0392b; stroke-width: 5; }
        g.arc.current .elabel { fill: #c0392b; font-weight: bold; }
        g.statenode.current .node { fill: #fdebd0; stroke: #c0392b; stroke-width: 3; }
        table.compare td.current, table.compare tr.current td { background: #fef5e7; }
        table.compare td.diverges { outline: 3px solid #c0392b; outline-offset: -3px; }
        table.compare .reason { color: #c0392b; font-weight: bold; font-size: 12px; }
        table.compare td { font-size: 12px; min-width: 200px; }
        table.compare th.phase { background: #eef2f5; text-align: left; }
        .mono { font-family: "DejaVu Sans Mono", monospace; }
        #divergences li { margin: 4px 0; }
        """

    /// The page script: one `show(i)` that moves every highlight, and the ways to call it.
    static let script = commonScript + "\n" + runScript + "\n" + navScript

    static let commonScript = """
        "use strict";
        const D = JSON.parse(document.getElementById("explainer-data").textContent);
        const N = D.steps.length;
        let current = -1;
        const $ = (id) => document.getElementById(id);
        function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
        """

    static let runScript = """
        const TCB_ROWS = [["state", "state"], ["SND.UNA", "sndUna"], ["SND.NXT", "sndNxt"], ["SND.WND", "sndWnd"],
          ["RCV.NXT", "rcvNxt"], ["RCV.WND", "rcvWnd"], ["ISS", "iss"], ["IRS", "irs"], ["timers", "timers"]];
        function tcbValue(t, key) {
          if (!t) return key === "state" ? "CLOSED (no TCB)" : "-";
          const v = t[key];
          if (key === "timers") return v.length ? v.join("; ") : "none";
          return String(v);
        }
        function renderStep(s) {
          $("phase").textContent = D.phases[s.phase] || "";
          $("where").textContent = "step " + s.n + " at " + s.time + " s, socket " + s.socket;
          $("trigger").textContent = "what arrived: " + s.trigger;
          const rule = $("rule"); rule.replaceChildren();
          if (s.transitions.length === 0 && !s.note) {
            const state = s.after ? s.after.state : "CLOSE";
            rule.appendChild(el("p", s.received !== null
              ? "No state change: in " + state + " the segment's acknowledgment and data are processed (RFC 9293 §3.10.7.4, fifth to seventh)."
              : "No state change: " + s.trigger + " (RFC 9293 §3.10.8, §3.10.2) in " + state + ".", "rule"));
          }
          for (const t of s.transitions) {
            const d = el("div", undefined, "rule");
            d.dataset.from = t.from; d.dataset.to = t.to;
            d.appendChild(el("div", t.from === t.to ? "stays " + t.to : t.from + " \\u2192 " + t.to, "move"));
            d.appendChild(el("div", t.summary));
            d.appendChild(el("div", "cause: " + t.cause + " | " + t.rfc + " | Linux: " + t.linux, "cite"));
            rule.appendChild(d);
          }
          $("note").textContent = s.note || "";
          const pi = s.received !== null ? s.received : (s.sent.length ? s.sent[0] : null);
          const fields = $("fields"); fields.replaceChildren();
          fields.dataset.sent = s.sent.join(",");
          if (pi === null) {
            fields.dataset.packet = "";
            $("tcpdump").textContent = "(no packet)";
          } else {
            const p = D.packets[pi];
            $("tcpdump").textContent = p.tcpdump;
            fields.dataset.packet = String(pi);
            const rows = [["direction", s.received !== null ? "received by " + s.socket : "sent by " + s.socket],
              ["source", p.source], ["destination", p.destination], ["flags", p.flags], ["seq", p.seq], ["ack", p.ack],
              ["window", p.window], ["options", p.options || "none"], ["payload", p.length + " bytes"]];
            if (s.received !== null && s.sent.length) rows.push(["sent in reply", s.sent.map((i) => D.packets[i].label).join(", ")]);
            for (const [k, v] of rows) { const tr = el("tr"); tr.dataset.field = k; tr.appendChild(el("th", k)); tr.appendChild(el("td", String(v), "num")); fields.appendChild(tr); }
          }
          $("tcb-socket").textContent = s.socket;
          const body = document.querySelector("#tcb tbody"); body.replaceChildren();
          for (const [label, key] of TCB_ROWS) {
            const b = tcbValue(s.before, key), a = tcbValue(s.after, key);
            const tr = el("tr"); tr.dataset.field = key;
            if (a !== b) tr.className = "changed";
            tr.appendChild(el("th", label)); tr.appendChild(el("td", b, "num before")); tr.appendChild(el("td", a, "num after"));
            body.appendChild(tr);
          }
        }
        function highlight(i) {
          for (const e of document.querySelectorAll(".current, .sent, .taken")) e.classList.remove("current", "sent", "taken");
          const s = D.steps[i];
          const pi = s.received !== null ? s.received : (s.sent.length ? s.sent[0] : null);
          for (const p of s.sent) { const r = $("row-p" + p); if (r && p !== pi) r.classList.add("sent"); }
          if (pi !== null) { const r = $("row-p" + pi); if (r) { r.classList.add("current"); } }
          for (const t of s.transitions) if (t.row !== null) { const r = $("row-t" + t.row); if (r) r.classList.add("current"); }
          for (let j = 0; j <= i; j++) for (const t of D.steps[j].transitions) if (t.arc !== null) $("edge-" + t.arc).classList.add(j === i ? "current" : "taken");
          const state = s.after ? s.after.state : null;
          if (state) for (const n of document.querySelectorAll('g.statenode[data-state="' + state + '"]')) n.classList.add("current");
          // Keep the current row in view, scrolling the ladder's pane only (and only vertically).
          const focus = document.querySelector("g.row.current"), pane = $("ladder-pane");
          if (focus) {
            const b = focus.getBoundingClientRect(), p = pane.getBoundingClientRect();
            if (b.top < p.top || b.bottom > p.bottom) pane.scrollTop += b.top - p.top - p.height / 2;
          }
        }
        """

    /// Stepping: buttons, scrubber, keys and `#step-N` links all go through `show(i)`.
    static let navScript = """
        function show(i) {
          if (N === 0) return;
          i = Math.max(0, Math.min(N - 1, i));
          if (i === current) return;
          current = i;
          renderStep(D.steps[i]);
          highlight(i);
          $("scrubber").value = String(i + 1);
          $("stepno").textContent = "step " + (i + 1) + " of " + N;
          document.body.dataset.step = String(i + 1);
          const hash = "#step-" + (i + 1);
          if (location.hash !== hash) history.replaceState(null, "", hash);
        }
        function fromHash() { const m = /^#step-(\\d+)$/.exec(location.hash); return m ? Number(m[1]) - 1 : 0; }
        $("prev").addEventListener("click", () => show(current - 1));
        $("next").addEventListener("click", () => show(current + 1));
        $("scrubber").addEventListener("input", (e) => show(Number(e.target.value) - 1));
        window.addEventListener("hashchange", () => show(fromHash()));
        document.addEventListener("keydown", (e) => {
          if (e.target && e.target.tagName === "INPUT" && e.target.type !== "range") return;
          const keys = { ArrowRight: 1, ArrowDown: 1, j: 1, n: 1, ArrowLeft: -1, ArrowUp: -1, k: -1, p: -1 };
          if (e.key in keys) { e.preventDefault(); show(current + keys[e.key]); }
          else if (e.key === "Home") { e.preventDefault(); show(0); }
          else if (e.key === "End") { e.preventDefault(); show(N - 1); }
        });
        show(fromHash());
        window.explainerFirstStepAt = performance.now();
        """
}
