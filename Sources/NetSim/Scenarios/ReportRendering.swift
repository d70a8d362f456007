import TCPStack
import TCPWire

extension SimulationReport {
    /// `--netstat`: the connection table at the end of the run.
    public var netstatLines: [String] { NetstatRenderer.lines(connectionTable) }

    /// `--explain`: every transition of the chosen sockets (the last refused attempt and the connection).
    public var explainLines: [String] { ExplainRenderer.lines(chosenTransitions) }

    /// The ladder of the chosen packets with each socket's states beside its timeline.
    public var ladder: LadderDiagram {
        var endpoints: [Endpoint] = []
        for c in chosenCaptures {
            for e in [c.packet.source, c.packet.destination] where !endpoints.contains(e) { endpoints.append(e) }
        }
        let columns = endpoints.map { e -> LadderDiagram.Column in
            var role = ""
            if let c = connection, e == c.local { role = c.local == c.remote ? "self-connected socket" : "client" }
            else if e == Endpoint(options.host, options.port) { role = "target port (nothing listens)" }
            else if attempts.contains(where: { $0.local == e }) { role = "client, refused attempt" }
            return LadderDiagram.Column(title: AddressText.endpoint(e), subtitle: role)
        }
        let names = columns.map(\.title)
        // Packets and state changes in time order; at the same instant the state change comes first,
        // because the code that changes state is what sends the packet.
        var rows: [(Instant, Int, LadderDiagram.Row)] = []
        for c in chosenCaptures {
            let from = endpoints.firstIndex(of: c.packet.source)!, to = endpoints.firstIndex(of: c.packet.destination)!
            rows.append((c.time, 1, .packet(time: c.time, from: from, to: to, label: PacketLabel.short(c.packet.tcp), lost: false)))
        }
        for t in chosenTransitions {
            guard let column = names.firstIndex(of: t.socket) else { continue }
            if t.from == t.to {
                let function = t.linux.split(separator: " ").last.map(String.init) ?? t.linux
                rows.append((t.time, 0, .remark(time: t.time, column: column, text: "stays \(t.to.linuxName): \(function)")))
            } else {
                rows.append((t.time, 0, .state(time: t.time, column: column, state: t.to.linuxName)))
            }
        }
        rows = rows.enumerated().sorted { a, b in
            (a.element.0, a.element.1, a.offset) < (b.element.0, b.element.1, b.offset)
        }.map(\.element)
        var diagramRows = rows.map(\.2)
        let hidden = max(attempts.count - 2, 0)
        if hidden > 0, let first = rows.first?.0 {
            diagramRows.insert(.note(time: first, text: "\(hidden) earlier refused attempts not shown"), at: 0)
        }
        let what = isSelfConnect ? "self-connect" : options.scenario.rawValue
        let place = options.scenario == .simultaneousOpen
            ? names.joined(separator: " <-> ") : AddressText.endpoint(Endpoint(options.host, options.port))
        return LadderDiagram(
            title: "\(what) on \(place) (\(options.personality), seed \(options.seed))",
            columns: columns, rows: diagramRows, origin: .zero)
    }

    /// The RFC state diagram with the path the shown sockets took.
    public var stateDiagram: StateDiagram {
        StateDiagram(
            title: "TCP states (RFC 9293 figure 5): the path of the sockets above",
            path: chosenTransitions.filter { $0.from != $0.to }.map { ($0.from, $0.to) })
    }

    /// `--svg`: ladder and state diagram in one standalone file.
    public var svg: String { SVGDocument.render(ladder: ladder, states: stateDiagram) }

    /// `--json`: attempts, the final 4-tuple, states and packets (schema: docs/json/simulate.schema.json).
    public var json: String {
        func endpoint(_ e: Endpoint?) -> JSONValue { e.map { .string(AddressText.endpoint($0)) } ?? .null }
        let ports = attempts.compactMap { $0.local?.port }
        let packets = chosenCaptures.map { c -> JSONValue in
            .object([
                ("time", .string(TextFormat.seconds(c.time))),
                ("interface", .string(c.interface)),
                ("source", endpoint(c.packet.source)),
                ("destination", endpoint(c.packet.destination)),
                ("flags", .string(c.packet.tcp.flags.tcpdumpLetters)),
                ("seq", .int(Int64(c.packet.tcp.sequenceNumber))),
                ("ack", .int(Int64(c.packet.tcp.acknowledgmentNumber))),
                ("length", .int(c.packet.tcp.payload.count)),
            ])
        }
        let states = chosenTransitions.map { t -> JSONValue in
            .object([
                ("time", .string(TextFormat.seconds(t.time))),
                ("socket", .string(t.socket)),
                ("from", .string(t.from.linuxName)),
                ("to", .string(t.to.linuxName)),
                ("cause", .string(t.cause)),
                ("rfc", .string(t.rfc)),
                ("linux", .string(t.linux)),
            ])
        }
        let table = connectionTable.map { r -> JSONValue in
            .object([("local", endpoint(r.local)), ("remote", endpoint(r.remote)), ("state", .string(r.state.linuxName))])
        }
        return JSONValue.object([
            ("version", .int(1)),
            ("scenario", .string(options.scenario.rawValue)),
            ("personality", .string(options.personality)),
            ("seed", .string(String(options.seed))),
            ("attempts", .int(attempts.count)),
            ("refused", .int(refusedAttempts)),
            ("source_ports", .object([
                ("first", ports.first.map { .int(Int($0)) } ?? .null),
                ("last", ports.last.map { .int(Int($0)) } ?? .null),
            ])),
            ("self_connect", .bool(isSelfConnect)),
            ("connection", connection.map { c in
                .object([
                    ("local", endpoint(c.local)), ("remote", endpoint(c.remote)),
                    ("time", .string(TextFormat.seconds(c.at))),
                ])
            } ?? .null),
            ("simulated_time", .string(TextFormat.seconds(endTime))),
            ("reachability", .string(reachability)),
            ("connections", .array(table)),
            ("states", .array(states)),
            ("packets", .object([("total", .int(packetsSent)), ("shown", .array(packets))])),
        ]).pretty
    }
}
