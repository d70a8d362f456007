import SelfConnectGuard
import TCPStack
import TCPWire

extension AuditReport {
    /// The stable JSON form (schema: docs/json/audit.schema.json), one line.
    public var json: String {
        JSONValue.object([
            ("version", .int(1)),
            ("source", .string(source.rawValue)),
            ("note", .string(note)),
            ("sockets", .int(socketCount)),
            ("namespaces", .int(namespaceCount)),
            ("ip_local_port_range", .array([.int(settings.localPortRange.lowerBound),
                                             .int(settings.localPortRange.upperBound)])),
            ("ip_local_reserved_ports", .string(settings.reservedPorts.description)),
            ("owners_known", .bool(ownersKnown)),
            ("findings", .array(findings.map(\.json))),
            ("fix", .string(reservedPortsFix)),
        ]).compact
    }

    /// The human form: a summary line, then each finding on a few indented lines.
    public var text: String {
        let range = "\(settings.localPortRange.lowerBound)-\(settings.localPortRange.upperBound)"
        let reserved = settings.reservedPorts.count == 0 ? "none" : settings.reservedPorts.description
        let scope = namespaceCount == 1 ? "" : " in \(namespaceCount) network namespaces"
        var lines = ["audit: \(socketCount) TCP sockets\(scope) via \(source.rawValue); ephemeral range \(range), reserved: \(reserved)"]
        if let note { lines.append("note: \(note)") }
        if !ownersKnown { lines.append("note: not root, so owners of other users' sockets are unknown") }
        for f in findings {
            let place = f.namespace.map { "  [\($0)]" } ?? ""
            lines.append("\(f.kind.rawValue)  \(f.socket.state)  \(f.socket.local) -> \(f.socket.remote)  \(f.ownerText)\(place)")
            lines.append("  risk: \(f.risk)")
            lines.append("  fix:  \(f.fix)")
        }
        lines.append(findings.isEmpty
            ? "clean: no self-connected socket, no listener in the ephemeral range, no stolen port"
            : "\(findings.count) finding\(findings.count == 1 ? "" : "s")")
        return lines.joined(separator: "\n")
    }
}

extension AuditFinding {
    var ownerText: String {
        guard let owners else { return "owner unknown" }
        if owners.isEmpty { return socket.inode == 0 ? "no owner (\(socket.state))" : "owner unknown" }
        return owners.map(\.description).joined(separator: ", ")
    }

    var json: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)),
            ("state", .string(socket.state.description)),
            ("local", endpointJSON(socket.local)),
            ("remote", endpointJSON(socket.remote)),
            ("inode", .int(Int64(socket.inode))),
            ("uid", .int(Int64(socket.uid))),
            ("namespace", .string(namespace?.description)),
            ("owners", owners.map { .array($0.map(ownerJSON)) } ?? .null),
            ("risk", .string(risk)),
            ("fix", .string(fix)),
        ])
    }

    private func endpointJSON(_ e: SocketEndpoint) -> JSONValue {
        .object([("address", .string(e.address.description)), ("port", .int(Int64(e.port)))])
    }

    private func ownerJSON(_ o: SocketOwner) -> JSONValue {
        .object([("pid", .int(Int64(o.pid))), ("command", .string(o.command))])
    }
}
