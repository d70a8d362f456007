#if canImport(Glibc)
import Glibc  // libm for squareRoot() and rounded(); nothing else
#endif

/// The TCP connection state diagram of RFC 9293 figure 5 (with the two moves the figure leaves to the text:
/// SYN-SENT -> CLOSED on a reset, and FIN-WAIT-1 -> TIME-WAIT on FIN plus ACK), with the path one run took
/// drawn thick and numbered in the order it was first taken.
public struct StateDiagram: Sendable {
    /// The transitions the run took, in order (repeats allowed: each edge is numbered once).
    public var path: [(from: TCPStateName, to: TCPStateName)]
    public var title: String

    public init(title: String, path: [(from: TCPStateName, to: TCPStateName)]) {
        self.title = title
        self.path = path
    }

    enum Node: Hashable, CaseIterable {
        case closedTop, listen, synReceived, synSent, established, finWait1, closeWait
        case finWait2, closing, lastAck, timeWait, closedBottom

        var state: TCPStateName {
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
        /// Sideways shift of the arrow, for the two arrows between CLOSED and LISTEN.
        var offset: Double = 0
        /// In RFC 9293's prose rather than in figure 5.
        var fromText = false
    }

    static let edges: [Edge] = [
        Edge(from: .closedTop, to: .listen, label: "passive OPEN", offset: -22),
        Edge(from: .listen, to: .closedTop, label: "CLOSE", offset: 22),
        Edge(from: .closedTop, to: .synSent, label: "active OPEN / snd SYN"),
        Edge(from: .listen, to: .synReceived, label: "rcv SYN / snd SYN,ACK"),
        Edge(from: .listen, to: .synSent, label: "SEND / snd SYN"),
        Edge(from: .synSent, to: .synReceived, label: "rcv SYN / snd SYN,ACK"),
        Edge(from: .synReceived, to: .listen, label: "rcv RST", offset: -16),
        Edge(from: .synReceived, to: .established, label: "rcv ACK of SYN"),
        Edge(from: .synSent, to: .established, label: "rcv SYN,ACK / snd ACK"),
        Edge(from: .synSent, to: .closedTop, label: "rcv RST,ACK (refused)", offset: 26, fromText: true),
        Edge(from: .synReceived, to: .finWait1, label: "CLOSE / snd FIN"),
        Edge(from: .established, to: .finWait1, label: "CLOSE / snd FIN"),
        Edge(from: .established, to: .closeWait, label: "rcv FIN / snd ACK"),
        Edge(from: .finWait1, to: .finWait2, label: "rcv ACK of FIN"),
        Edge(from: .finWait1, to: .closing, label: "rcv FIN / snd ACK"),
        Edge(from: .finWait1, to: .timeWait, label: "rcv FIN+ACK of FIN", fromText: true),
        Edge(from: .closeWait, to: .lastAck, label: "CLOSE / snd FIN"),
        Edge(from: .finWait2, to: .timeWait, label: "rcv FIN / snd ACK"),
        Edge(from: .closing, to: .timeWait, label: "rcv ACK of FIN"),
        Edge(from: .lastAck, to: .closedBottom, label: "rcv ACK of FIN"),
        Edge(from: .timeWait, to: .closedBottom, label: "timeout 2MSL"),
    ]

    static let boxWidth = 150.0
    static let boxHeight = 40.0
    public static let width = 900.0
    public static let height = 860.0

    /// Which drawn edge a transition of the run corresponds to, if any.
    static func edgeIndex(from: TCPStateName, to: TCPStateName) -> Int? {
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
        y1 += dy
        y2 += dy
        // Shift parallel arrows sideways, then clip both ends to the box borders.
        let len = ((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1)).squareRoot()
        let nx = -(y2 - y1) / len, ny = (x2 - x1) / len
        x1 += nx * edge.offset; y1 += ny * edge.offset
        x2 += nx * edge.offset; y2 += ny * edge.offset
        let (sx, sy) = Self.clip(from: (x1, y1), toward: (x2, y2))
        let (ex, ey) = Self.clip(from: (x2, y2), toward: (x1, y1))
        var cls = step == nil ? "edge" : "edge hot"
        if edge.fromText { cls += " text" }
        let marker = step == nil ? "url(#arrow)" : "url(#arrowhot)"
        var s = "<line x1=\"\(Self.r(sx))\" y1=\"\(Self.r(sy))\" x2=\"\(Self.r(ex))\" y2=\"\(Self.r(ey))\""
        s += " class=\"\(cls)\" marker-end=\"\(marker)\"/>\n"
        let mx = (sx + ex) / 2, my = (sy + ey) / 2
        s += "<text x=\"\(Self.r(mx + 6))\" y=\"\(Self.r(my - 6))\" class=\"\(step == nil ? "elabel" : "elabel hot")\">"
        s += "\(TextFormat.xml(edge.label))</text>\n"
        if let step {
            s += "<circle cx=\"\(Self.r(mx))\" cy=\"\(Self.r(my))\" r=\"10\" class=\"stepdot\"/>\n"
            s += "<text x=\"\(Self.r(mx))\" y=\"\(Self.r(my + 4))\" class=\"steptext\">\(step)</text>\n"
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
