import SelfConnectGuard

extension AuditReport {
    /// The stable JSON form (documented in the README), one line.
    public var json: String {
        JSONText.object([
            ("version", "1"),
            ("source", JSONText.string(source.rawValue)),
            ("note", JSONText.optional(note)),
            ("sockets", String(socketCount)),
            ("namespaces", String(namespaceCount)),
            ("ip_local_port_range", "[\(settings.localPortRange.lowerBound),\(settings.localPortRange.upperBound)]"),
            ("ip_local_reserved_ports", JSONText.string(settings.reservedPorts.description)),
            ("owners_known", String(ownersKnown)),
            ("findings", JSONText.array(findings.map(\.json))),
            ("fix", JSONText.optional(reservedPortsFix)),
        ])
    }

    /// The human form: a summary line, then each finding on a few indented lines.
    public var text: String {
        let range = "\(settings.localPortRange.lowerBound)-\(settings.localPortRange.upperBound)"
        let reserved = settings.reservedPorts.ranges.isEmpty ? "none" : settings.reservedPorts.description
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

    var json: String {
        JSONText.object([
            ("kind", JSONText.string(kind.rawValue)),
            ("state", JSONText.string(socket.state.description)),
            ("local", endpointJSON(socket.local)),
            ("remote", endpointJSON(socket.remote)),
            ("inode", String(socket.inode)),
            ("uid", String(socket.uid)),
            ("namespace", JSONText.optional(namespace?.description)),
            ("owners", owners.map { JSONText.array($0.map(ownerJSON)) } ?? "null"),
            ("risk", JSONText.string(risk)),
            ("fix", JSONText.string(fix)),
        ])
    }

    private func endpointJSON(_ e: SocketEndpoint) -> String {
        JSONText.object([("address", JSONText.string(e.address.description)), ("port", String(e.port))])
    }

    private func ownerJSON(_ o: SocketOwner) -> String {
        JSONText.object([("pid", String(o.pid)), ("command", JSONText.string(o.command))])
    }
}
