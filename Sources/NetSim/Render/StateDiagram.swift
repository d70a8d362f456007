import TCPStack

#if canImport(Glibc)
import Glibc  // libm for rounded(); nothing else
#endif

/// The TCP connection state diagram of RFC 9293 figure 5 (plus SYN-SENT -> CLOSED on a reset, which the figure
/// leaves to the text: it is the refused connect), with the path one run took
/// drawn thick and numbered in the order it was first taken.
public struct StateDiagram: Sendable {
    /// The transitions the run took, in order (repeats allowed: each edge is numbered once).
    public var path: [(from: TCPState, to: TCPState)]
    /// The heading above the diagram.
    public var title: String

    /// A diagram of the RFC figure with `path` drawn over it.
    public init(title: String, path: [(from: TCPState, to: TCPState)]) {
        self.title = title
        self.path = path
    }

    enum Node: Hashable, CaseIterable {
        case closedTop, listen, synReceived, synSent, established, finWait1, closeWait
        case finWait2, closing, lastAck, timeWait, closedBottom

        var state: TCPState {
            switch self {
            case .closedTop, .closedBottom: .closed
            case .listen: .listen
            case .synReceived: .synReceived
            case .synSent: .synSent
            case .established: .established
            case .finWait1: .finWait1
            case .closeWait: .closeWait
            case .finWait2: .finWait2
            case .closing: .closing
            case .lastAck: .lastAck
            case .timeWait: .timeWait
            }
        }

        /// Box centre, laid out like the RFC's ASCII figure.
        var centre: (x: Double, y: Double) {
            switch self {
            case .closedTop: (430, 50)
            case .listen: (430, 160)
            case .synReceived: (130, 270)
            case .synSent: (730, 270)
            case .established: (430, 380)
            case .finWait1: (130, 490)
            case .closeWait: (730, 490)
            case .finWait2: (130, 620)
            case .closing: (430, 620)
            case .lastAck: (730, 620)
            case .timeWait: (430, 730)
            case .closedBottom: (730, 730)
            }
        }
    }

    struct Edge {
        var from: Node
        var to: Node
        var label: String
        /// Where the label goes (figure coordinates) and which end of it is anchored there.
        var labelX: Double
        var labelY: Double
        var anchor = "start"
        /// Shift of the whole arrow, for arrows that run beside another one.
        var shift: (x: Double, y: Double) = (0, 0)
        /// A curve through this control point instead of a straight arrow.
        var bend: (x: Double, y: Double)? = nil
        /// In RFC 9293's prose rather than in figure 5.
        var fromText = false
    }

    // Label places are chosen by hand against the node layout so that no text crosses a line or a box.
    static let edges: [Edge] = [
        Edge(from: .closedTop, to: .listen, label: "passive OPEN", labelX: 405, labelY: 110, anchor: "end", shift: (-15, 0)),
        Edge(from: .listen, to: .closedTop, label: "CLOSE", labelX: 455, labelY: 110, shift: (15, 0)),
        Edge(from: .closedTop, to: .synSent, label: "active OPEN / snd SYN", labelX: 592, labelY: 140),
        Edge(from: .listen, to: .synReceived, label: "rcv SYN / snd SYN,ACK", labelX: 292, labelY: 242),
        Edge(from: .listen, to: .synSent, label: "SEND / snd SYN", labelX: 592, labelY: 242, anchor: "end"),
        Edge(from: .synSent, to: .synReceived, label: "rcv SYN / snd SYN,ACK", labelX: 430, labelY: 292,
             anchor: "middle"),
        Edge(from: .synReceived, to: .listen, label: "rcv RST", labelX: 240, labelY: 196, anchor: "end",
             shift: (0, -16)),
        Edge(from: .synReceived, to: .established, label: "rcv ACK of SYN", labelX: 268, labelY: 348, anchor: "end"),
        Edge(from: .synSent, to: .established, label: "rcv SYN,ACK / snd ACK", labelX: 592, labelY: 348),
        Edge(from: .synSent, to: .closedTop, label: "rcv RST,ACK (refused)", labelX: 712, labelY: 76,
             bend: (775, 50), fromText: true),
        Edge(from: .synReceived, to: .finWait1, label: "CLOSE / snd FIN", labelX: 146, labelY: 385),
        Edge(from: .established, to: .finWait1, label: "CLOSE / snd FIN", labelX: 292, labelY: 458),
        Edge(from: .established, to: .closeWait, label: "rcv FIN / snd ACK", labelX: 568, labelY: 458, anchor: "end"),
        Edge(from: .finWait1, to: .finWait2, label: "rcv ACK of FIN", labelX: 146, labelY: 560),
        Edge(from: .finWait1, to: .closing, label: "rcv FIN / snd ACK", labelX: 292, labelY: 542),
        Edge(from: .closeWait, to: .lastAck, label: "CLOSE / snd FIN", labelX: 746, labelY: 560),
        Edge(from: .finWait2, to: .timeWait, label: "rcv FIN / snd ACK", labelX: 268, labelY: 702, anchor: "end"),
        Edge(from: .closing, to: .timeWait, label: "rcv ACK of FIN", labelX: 446, labelY: 680),
        Edge(from: .lastAck, to: .closedBottom, label: "rcv ACK of FIN", labelX: 746, labelY: 680),
        Edge(from: .timeWait, to: .closedBottom, label: "timeout 2MSL", labelX: 580, labelY: 722, anchor: "middle"),
    ]

    static let boxWidth = 150.0
    static let boxHeight = 40.0
    /// The drawing's width in SVG user units.
    public static let width = 900.0
    /// The drawing's height in SVG user units.
    public static let height = 860.0

    /// Which drawn edge a transition of the run corresponds to, if any.
    static func edgeIndex(from: TCPState, to: TCPState) -> Int? {
        edges.firstIndex { $0.from.state == from && $0.to.state == to }
    }

    func elements(top: Double) -> String {
        // Number each edge the first time the run takes it.
        var order: [Int: Int] = [:]
        var unmatched: [String] = []
        for step in path {
            if let e = Self.edgeIndex(from: step.from, to: step.to) {
                if order[e] == nil { order[e] = order.count + 1 }
            } else {
                let text = "\(step.from.rfcName) -> \(step.to.rfcName)"
                if !unmatched.contains(text) { unmatched.append(text) }
            }
        }
        var visited = Set(path.map(\.from) + path.map(\.to))
        if path.isEmpty { visited = [] }

        var s = "<text x=\"20\" y=\"\(top + 28)\" class=\"title\">\(TextFormat.xml(title))</text>\n"
        let dy = top + 40
        for (i, edge) in Self.edges.enumerated() {
            s += edgeElements(edge, step: order[i], dy: dy)
        }
        for node in Node.allCases {
            let (cx, cy) = node.centre
            let hot = visited.contains(node.state) && isDrawnVisited(node, order: order)
            let x = cx - Self.boxWidth / 2, y = cy - Self.boxHeight / 2 + dy
            s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(Self.boxWidth)\" height=\"\(Self.boxHeight)\" rx=\"6\""
            s += " class=\"\(hot ? "node hot" : "node")\"/>\n"
            s += "<text x=\"\(cx)\" y=\"\(cy + dy + 5)\" class=\"nodetext\">\(node.state.rfcName)</text>\n"
        }
        var legendY = top + Self.height - 40
        s += "<text x=\"20\" y=\"\(legendY)\" class=\"legend\">thick numbered arrows: the moves this run made, "
            + "numbered in the order first taken; dashed arrows come from RFC 9293's text, not figure 5</text>\n"
        if !unmatched.isEmpty {
            legendY += 18
            s += "<text x=\"20\" y=\"\(legendY)\" class=\"legend\">also taken: "
                + "\(TextFormat.xml(unmatched.joined(separator: ", ")))</text>\n"
        }
        return s
    }

    /// CLOSED is drawn twice; light up the copy the run actually touched.
    private func isDrawnVisited(_ node: Node, order: [Int: Int]) -> Bool {
        guard node.state == .closed else { return true }
        return order.keys.contains { Self.edges[$0].from == node || Self.edges[$0].to == node }
    }

    private func edgeElements(_ edge: Edge, step: Int?, dy: Double) -> String {
        var (x1, y1) = edge.from.centre
        var (x2, y2) = edge.to.centre
        // Shift parallel arrows sideways, then clip both ends to the box borders.
        x1 += edge.shift.x; x2 += edge.shift.x
        y1 += edge.shift.y; y2 += edge.shift.y
        var cls = step == nil ? "edge" : "edge hot"
        if edge.fromText { cls += " text" }
        let marker = step == nil ? "url(#arrow)" : "url(#arrowhot)"
        var s: String
        let mx: Double, my: Double
        if let bend = edge.bend {
            let (sx, sy) = Self.clip(from: (x1, y1), toward: bend)
            let (ex, ey) = Self.clip(from: (x2, y2), toward: bend)
            s = "<path d=\"M \(Self.r(sx)) \(Self.r(sy + dy)) Q \(Self.r(bend.x)) \(Self.r(bend.y + dy)) "
            s += "\(Self.r(ex)) \(Self.r(ey + dy))\" class=\"\(cls)\" fill=\"none\" marker-end=\"\(marker)\"/>\n"
            mx = 0.25 * sx + 0.5 * bend.x + 0.25 * ex
            my = 0.25 * sy + 0.5 * bend.y + 0.25 * ey
        } else {
            let (sx, sy) = Self.clip(from: (x1, y1), toward: (x2, y2))
            let (ex, ey) = Self.clip(from: (x2, y2), toward: (x1, y1))
            s = "<line x1=\"\(Self.r(sx))\" y1=\"\(Self.r(sy + dy))\" x2=\"\(Self.r(ex))\" y2=\"\(Self.r(ey + dy))\""
            s += " class=\"\(cls)\" marker-end=\"\(marker)\"/>\n"
            mx = (sx + ex) / 2
            my = (sy + ey) / 2
        }
        s += "<text x=\"\(Self.r(edge.labelX))\" y=\"\(Self.r(edge.labelY + dy))\" text-anchor=\"\(edge.anchor)\""
        s += " class=\"\(step == nil ? "elabel" : "elabel hot")\">\(TextFormat.xml(edge.label))</text>\n"
        if let step {
            s += "<circle cx=\"\(Self.r(mx))\" cy=\"\(Self.r(my + dy))\" r=\"10\" class=\"stepdot\"/>\n"
            s += "<text x=\"\(Self.r(mx))\" y=\"\(Self.r(my + dy + 4))\" class=\"steptext\">\(step)</text>\n"
        }
        return s
    }

    /// The point where the segment from `a` toward `b` leaves the box centred at `a`.
    static func clip(from a: (Double, Double), toward b: (Double, Double)) -> (Double, Double) {
        let dx = b.0 - a.0, dy = b.1 - a.1
        let tx = dx == 0 ? Double.infinity : (boxWidth / 2 + 4) / abs(dx)
        let ty = dy == 0 ? Double.infinity : (boxHeight / 2 + 4) / abs(dy)
        let t = min(tx, ty, 1)
        return (a.0 + dx * t, a.1 + dy * t)
    }

    /// Two decimals are plenty and keep the SVG stable and short.
    static func r(_ v: Double) -> String {
        let hundredths = Int64((v * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let m = abs(hundredths)
        let frac = m % 100
        return "\(sign)\(m / 100)." + (frac < 10 ? "0" : "") + String(frac)
    }
}
