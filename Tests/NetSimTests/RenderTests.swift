import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NetSim
import TCPStack
import TCPWire
import Testing

/// Parses XML with Foundation's parser; returns the error if it is not well-formed, and the element names.
final class XMLCheck: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String] = []
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) { elements.append(name) }
    func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }

    static func parse(_ text: String) -> (ok: Bool, error: String?, check: XMLCheck) {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = check
        let ok = parser.parse()
        return (ok, parser.parserError.map { "\($0)" }, check)
    }
}

let here = IPAddress.v4(.loopback)

@Suite struct RenderTests {
    @Test func netstatLineMatchesNetToolsColumns() {
        let row = ConnectionRow(local: Endpoint(here, 50000), remote: Endpoint(here, 50000), state: .established)
        #expect(NetstatRenderer.line(row)
            == "tcp        0      0 127.0.0.1:50000         127.0.0.1:50000         ESTABLISHED")
    }

    @Test func netstatOmitsListenersAndPadsShortStates() {
        let rows = [
            ConnectionRow(local: Endpoint(here, 5000), remote: Endpoint(.v4(.any), 0), state: .listen),
            ConnectionRow(local: Endpoint(.v6(.loopback), 50000), remote: Endpoint(.v6(.loopback), 50000),
                          state: .timeWait, receiveQueue: 7),
        ]
        #expect(NetstatRenderer.lines(rows) == NetstatRenderer.headerLines + [
            "tcp6       7      0 ::1:50000               ::1:50000               TIME_WAIT  ",
        ])
    }

    @Test func explainLinesAreAlignedColumns() {
        let records = [
            TransitionRecord(time: .milliseconds(1), host: "h", socket: "127.0.0.1:50000", from: .closed,
                             to: .synSent, cause: "connect()", rfc: "RFC 9293 §3.10.1", linux: "tcp_v4_connect"),
            TransitionRecord(time: Instant(nanoseconds: 1_006_000), host: "h", socket: "127.0.0.1:50000",
                             from: .synSent, to: .synReceived, cause: "rcv SYN (its own)",
                             rfc: "RFC 9293 §3.10.7.3", linux: "tcp_rcv_synsent_state_process"),
        ]
        #expect(ExplainRenderer.lines(records) == [
            "0.001000  127.0.0.1:50000  CLOSE -> SYN_SENT     connect()          RFC 9293 §3.10.1    tcp_v4_connect",
            "0.001006  127.0.0.1:50000  SYN_SENT -> SYN_RECV  rcv SYN (its own)  RFC 9293 §3.10.7.3  tcp_rcv_synsent_state_process",
        ])
    }

    static func sampleSVG() -> String {
        let ladder = LadderDiagram(
            title: "self-connect on 127.0.0.1:50000 <&> test",
            columns: [LadderDiagram.Column(title: "127.0.0.1:50000", subtitle: "telnet's socket")],
            rows: [
                .state(time: .zero, column: 0, state: "SYN_SENT"),
                .packet(time: .zero, from: 0, to: 0, label: "S seq 100", lost: false),
                .state(time: .zero, column: 0, state: "SYN_RECV"),
                .packet(time: .zero, from: 0, to: 0, label: "S. seq 100 ack 101", lost: false),
                .note(time: .zero, text: "challenge ACK"),
            ])
        let states = StateDiagram(title: "RFC 9293 figure 5", path: [
            (.closed, .synSent), (.synSent, .closed), (.closed, .synSent), (.synSent, .synReceived),
            (.synReceived, .established), (.established, .closed),
        ])
        return SVGDocument.render(ladder: ladder, states: states)
    }

    @Test func svgIsWellFormedXMLWithBothDiagrams() {
        let svg = Self.sampleSVG()
        let (ok, error, check) = XMLCheck.parse(svg)
        #expect(ok, "\(error ?? "")")
        #expect(check.elements.first == "svg")
        #expect(check.elements.filter { $0 == "g" }.count == 2)
        let text = check.texts.joined()
        #expect(text.contains("self-connect on 127.0.0.1:50000 <&> test"))
        #expect(text.contains("SYN-RECEIVED"))
        #expect(text.contains("also taken: ESTABLISHED -> CLOSED"))
    }

    @Test func stateDiagramNumbersEachTakenEdgeOnceInOrder() {
        let svg = Self.sampleSVG()
        // Three distinct figure edges were taken: CLOSED->SYN-SENT, SYN-SENT->CLOSED, SYN-SENT->SYN-RECEIVED,
        // SYN-RECEIVED->ESTABLISHED: four numbered markers, none for the repeat.
        #expect(svg.components(separatedBy: "class=\"stepdot\"").count - 1 == 4)
        #expect(svg.contains("class=\"steptext\">4</text>"))
        #expect(!svg.contains("class=\"steptext\">5</text>"))
    }
}
