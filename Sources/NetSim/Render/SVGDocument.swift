/// One standalone SVG file: the ladder diagram above the state diagram, with its own styles, so it opens
/// in any browser with nothing else.
public enum SVGDocument {
    /// The two diagrams as one SVG document, as wide as the wider of them.
    public static func render(ladder: LadderDiagram, states: StateDiagram) -> String {
        let width = max(ladder.width, StateDiagram.width)
        let stateTop = ladder.height + 10
        let height = stateTop + StateDiagram.height
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(StateDiagram.r(width))\" "
        s += "height=\"\(StateDiagram.r(height))\" viewBox=\"0 0 \(StateDiagram.r(width)) \(StateDiagram.r(height))\">\n"
        s += style
        s += "<rect x=\"0\" y=\"0\" width=\"\(StateDiagram.r(width))\" height=\"\(StateDiagram.r(height))\" fill=\"#ffffff\"/>\n"
        s += "<g id=\"ladder\">\n" + ladder.elements(top: 0) + "</g>\n"
        s += "<line x1=\"10\" y1=\"\(StateDiagram.r(stateTop - 5))\" x2=\"\(StateDiagram.r(width - 10))\" "
        s += "y2=\"\(StateDiagram.r(stateTop - 5))\" class=\"divider\"/>\n"
        s += "<g id=\"states\">\n" + states.elements(top: stateTop) + "</g>\n"
        s += "</svg>\n"
        return s
    }

    static let style = """
        <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
        <path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker>
        <marker id="arrowhot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
        <path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker>
        <style>
        text { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 13px; fill: #222222; }
        .title { font-size: 17px; font-weight: bold; }
        .axis, .time { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; fill: #666666; }
        .time { text-anchor: end; }
        .colhead { font-weight: bold; text-anchor: middle; }
        .colsub { font-size: 11px; fill: #666666; text-anchor: middle; }
        .timeline { stroke: #888888; stroke-width: 2; }
        .packet { stroke: #1f4e79; stroke-width: 1.6; fill: none; }
        .packet.lost { stroke-dasharray: 5 3; }
        .lostmark { fill: #c0392b; font-size: 14px; text-anchor: middle; }
        .plabel { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; fill: #1f4e79; }
        .plabel.mid { text-anchor: middle; }
        .state { fill: #fdebd0; stroke: #e67e22; stroke-width: 1; }
        .statetext { font-size: 11px; font-weight: bold; text-anchor: middle; fill: #7e4a0e; }
        .statedot { fill: #e67e22; }
        .note { font-style: italic; fill: #666666; }
        .remark { fill: #7e4a0e; }
        .divider { stroke: #cccccc; stroke-width: 1; }
        .node { fill: #f4f6f7; stroke: #7f8c8d; stroke-width: 1.2; }
        .node.hot { fill: #fdebd0; stroke: #c0392b; stroke-width: 2.5; }
        .nodetext { font-weight: bold; text-anchor: middle; }
        .edge { stroke: #95a5a6; stroke-width: 1.2; }
        .edge.text { stroke-dasharray: 6 4; }
        .edge.hot { stroke: #c0392b; stroke-width: 3; }
        .elabel { font-size: 11px; fill: #7f8c8d; }
        .elabel.hot { fill: #c0392b; font-weight: bold; }
        .stepdot { fill: #c0392b; }
        .steptext { fill: #ffffff; font-size: 11px; font-weight: bold; text-anchor: middle; }
        .legend { font-size: 11px; fill: #555555; }
        </style>
        </defs>

        """
}
