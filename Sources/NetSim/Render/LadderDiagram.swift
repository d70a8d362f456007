import TCPStack

/// A ladder (sequence) diagram: one vertical timeline per socket, one row per packet or state change,
/// time running down. Built from recorded data only, so any run can be drawn.
public struct LadderDiagram: Sendable {
    /// One socket's timeline: a title (e.g. its endpoint) and an optional second line.
    public struct Column: Hashable, Sendable {
        /// The heading above the timeline.
        public var title: String
        /// A second heading line, e.g. the host name; empty for none.
        public var subtitle: String
        /// A column with its headings.
        public init(title: String, subtitle: String = "") {
            self.title = title
            self.subtitle = subtitle
        }
    }

    /// One row of the diagram, in time order.
    public enum Row: Hashable, Sendable {
        /// A packet sent from one column to another (or to itself: a loop), optionally lost on the way.
        case packet(time: Instant, from: Int, to: Int, label: String, lost: Bool)
        /// A socket entered `state`: written beside its timeline.
        case state(time: Instant, column: Int, state: String)
        /// A remark across the diagram (e.g. "12,311 refused attempts not shown").
        case note(time: Instant, text: String)
        /// Something a socket did without changing state (e.g. a challenge ACK), written beside its timeline.
        case remark(time: Instant, column: Int, text: String)
    }

    /// The diagram's heading.
    public var title: String
    /// The timelines, left to right; rows refer to them by index.
    public var columns: [Column]
    /// The rows, top to bottom.
    public var rows: [Row]
    /// The instant shown as time zero.
    public var origin: Instant

    /// A diagram of `rows` across `columns`, times relative to `origin`.
    public init(title: String, columns: [Column], rows: [Row], origin: Instant = .zero) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.origin = origin
    }

    // Geometry, in SVG user units.
    static let timeAxisWidth = 110.0
    static let stateGutter = 150.0
    static let columnGap = 460.0
    static let loopWidth = 70.0
    static let labelSpace = 430.0
    static let rowHeight = 34.0
    static let headerHeight = 92.0

    var width: Double {
        let span = Double(max(columns.count - 1, 0)) * Self.columnGap
        let last = columns.count - 1
        let loopsOnLast = rows.contains { if case .packet(_, last, last, _, _) = $0 { true } else { false } }
        let rightSide = loopsOnLast ? Self.loopWidth + Self.labelSpace : 60
        return Self.timeAxisWidth + Self.stateGutter + span + rightSide
    }

    var height: Double { Self.headerHeight + Double(rows.count) * Self.rowHeight + 40 }

    func x(_ column: Int) -> Double { Self.timeAxisWidth + Self.stateGutter + Double(column) * Self.columnGap }

    /// The diagram as SVG elements placed at vertical offset `top` (for embedding in a larger document).
    func elements(top: Double) -> String {
        var s = ""
        let bottom = top + height - 20
        s += "<text x=\"20\" y=\"\(top + 28)\" class=\"title\">\(TextFormat.xml(title))</text>\n"
        s += "<text x=\"20\" y=\"\(top + 72)\" class=\"axis\">time (s)</text>\n"
        for (i, column) in columns.enumerated() {
            let cx = x(i)
            s += "<text x=\"\(cx)\" y=\"\(top + 56)\" class=\"colhead\">\(TextFormat.xml(column.title))</text>\n"
            if !column.subtitle.isEmpty {
                s += "<text x=\"\(cx)\" y=\"\(top + 74)\" class=\"colsub\">\(TextFormat.xml(column.subtitle))</text>\n"
            }
            s += "<line x1=\"\(cx)\" y1=\"\(top + 82)\" x2=\"\(cx)\" y2=\"\(bottom)\" class=\"timeline\"/>\n"
        }
        for (r, row) in rows.enumerated() {
            let y = top + Self.headerHeight + Double(r) * Self.rowHeight
            switch row {
            case .packet(let time, let from, let to, let label, let lost):
                s += timeLabel(time, y: y + 4)
                s += packetElements(from: from, to: to, label: label, lost: lost, y: y)
            case .state(let time, let column, let state):
                s += timeLabel(time, y: y + 4)
                s += stateElements(column: column, state: state, y: y)
            case .note(let time, let text):
                s += timeLabel(time, y: y + 4)
                s += "<text x=\"\(x(0) + 14)\" y=\"\(y + 4)\" class=\"note\">\(TextFormat.xml(text))</text>\n"
            case .remark(let time, let column, let text):
                s += timeLabel(time, y: y + 4)
                // Beside the timeline on the side with room: the first column's left side is the time axis.
                let side = column == 0 ? "start" : "end"
                let rx = column == 0 ? x(column) + 10 : x(column) - 10
                s += "<text x=\"\(rx)\" y=\"\(y + 4)\" text-anchor=\"\(side)\" class=\"note remark\">"
                s += "\(TextFormat.xml(text))</text>\n"
            }
        }
        return s
    }

    private func timeLabel(_ time: Instant, y: Double) -> String {
        let t = TextFormat.seconds(nanoseconds: time.nanoseconds - origin.nanoseconds)
        return "<text x=\"\(Self.timeAxisWidth - 10)\" y=\"\(y)\" class=\"time\">\(t)</text>\n"
    }

    private func stateElements(column: Int, state: String, y: Double) -> String {
        // Left of the timeline: the right side belongs to packets that loop back to their sender.
        let w = Double(state.count) * 8.4 + 16
        let cx = x(column)
        let boxX = cx - 8 - w
        return "<rect x=\"\(boxX)\" y=\"\(y - 11)\" width=\"\(w)\" height=\"20\" rx=\"10\" class=\"state\"/>\n"
            + "<text x=\"\(boxX + w / 2)\" y=\"\(y + 3)\" class=\"statetext\">\(TextFormat.xml(state))</text>\n"
            + "<circle cx=\"\(cx)\" cy=\"\(y - 1)\" r=\"3.5\" class=\"statedot\"/>\n"
    }

    private func packetElements(from: Int, to: Int, label: String, lost: Bool, y: Double) -> String {
        let x1 = x(from), x2 = x(to)
        let cls = lost ? "packet lost" : "packet"
        if from == to {
            // A packet to itself: out of the timeline and back, a little later.
            let out = x1 + Self.loopWidth
            let path = "M \(x1) \(y - 6) C \(out) \(y - 8), \(out) \(y + 18), \(x1 + 2) \(y + 16)"
            return "<path d=\"\(path)\" class=\"\(cls)\" marker-end=\"url(#arrow)\"/>\n"
                + "<text x=\"\(out + 8)\" y=\"\(y + 9)\" class=\"plabel\">\(TextFormat.xml(label))</text>\n"
        }
        let endX = lost ? (x1 + x2) / 2 : x2 + (x2 > x1 ? -2 : 2)
        let endY = lost ? y + 9 : y + 18
        var s = "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(endX)\" y2=\"\(endY)\" class=\"\(cls)\""
        s += lost ? "/>\n" : " marker-end=\"url(#arrow)\"/>\n"
        if lost {
            s += "<text x=\"\(endX)\" y=\"\(endY + 5)\" class=\"lostmark\">✕</text>\n"
        }
        s += "<text x=\"\((x1 + x2) / 2)\" y=\"\(y - 4)\" class=\"plabel mid\">\(TextFormat.xml(label))</text>\n"
        return s
    }
}
