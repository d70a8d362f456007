import SelfConnectGuard
import TCPStack

/// What an audit found wrong with one socket.
public enum FindingKind: String, Sendable, CaseIterable {
    /// (a) local == remote, v4-mapped IPv6 included.
    case selfConnect = "self-connect"
    /// (b) a listener whose port lies in `ip_local_port_range` and is not reserved.
    case listenerInEphemeralRange = "listener-in-ephemeral-range"
    /// (c) a client socket (ESTABLISHED or SYN_SENT) using a local listener's port as its source port.
    case stolenPort = "stolen-port"
}

/// One finding: the socket, who owns it, the risk and the fix.
public struct AuditFinding: Hashable, Sendable {
    public var kind: FindingKind
    public var socket: TCPSocketRow
    /// The network namespace, when it is not the auditing process's own (`--all-namespaces`).
    public var namespace: NetworkNamespaceRef?
    /// The processes holding the socket; nil when unknown (not root, or the owner exited), empty when no process
    /// can own it (TIME_WAIT).
    public var owners: [SocketOwner]?
    public var risk: String
    public var fix: String
}

/// The result of `selfconnect audit`.
public struct AuditReport: Sendable {
    public var source: SocketTableSource
    /// Why the source is not sock_diag, when it is not.
    public var note: String?
    public var settings: KernelSettings
    /// Sockets read, over every namespace audited.
    public var socketCount: Int
    /// Namespaces audited (1 unless `--all-namespaces`).
    public var namespaceCount: Int
    public var ownersKnown: Bool
    public var findings: [AuditFinding]
    /// One `sysctl -w net.ipv4.ip_local_reserved_ports=...` line that reserves every port flagged in the auditing
    /// process's namespace, merged with the ports already reserved; nil when no finding there needs it.
    public var reservedPortsFix: String?
}

public enum Audit {
    /// Dumps the TCP sockets (sock_diag, or /proc when netlink is refused), finds (a), (b), (c) and looks up the
    /// owners of the flagged sockets only. Read-only. With `allNamespaces`, also audits every other network
    /// namespace a process or `/run/netns` holds (root: entering one needs CAP_SYS_ADMIN). `sockDiag` is the
    /// primary source, replaceable to exercise the fallback.
    public static func run(
        allNamespaces: Bool = false,
        sockDiag: () throws(HostNetError) -> [TCPSocketRow] = { () throws(HostNetError) in try SockDiag.dump() }
    ) throws(HostNetError) -> AuditReport {
        let settings = try KernelSettings.current()
        var source = SocketTableSource.sockDiag
        var notes: [String] = []
        var rows: [TCPSocketRow]
        do {
            rows = try sockDiag()
        } catch {
            rows = try ProcNetTCP.dump()
            source = .procNet
            notes.append("sock_diag refused (\(error)); read /proc/net/tcp and /proc/net/tcp6 instead")
        }
        var (findings, fix) = analyse(rows, settings: settings)
        // Per namespace: the range and reserve line, to word each self-connect's fix once its owner is known.
        var contexts: [NetworkNamespaceRef?: (ClosedRange<UInt16>, String?)] = [nil: (settings.localPortRange, fix)]
        var socketCount = rows.count
        var namespaceCount = 1
        if allNamespaces {
            var skipped = 0
            for namespace in try NetworkNamespaces.all().dropFirst() {
                do {
                    let (others, otherSettings) = try NetworkNamespaces.inside(namespace) { () throws(HostNetError) in
                        (try SockDiag.dump(), try KernelSettings.current())
                    }
                    let (found, line) = analyse(others, settings: otherSettings, namespace: namespace)
                    findings += found
                    contexts[namespace] = (otherSettings.localPortRange, line)
                    socketCount += others.count
                    namespaceCount += 1
                } catch {
                    skipped += 1
                }
            }
            if skipped > 0 { notes.append("\(skipped) network namespace(s) could not be entered (entering needs root)") }
        }
        let owners = SocketOwners.find(Set(findings.map(\.socket.inode)))
        let allVisible = SocketOwners.canSeeAllOwners
        for i in findings.indices {
            let inode = findings[i].socket.inode
            findings[i].owners = inode == 0 ? [] : owners[inode] ?? (allVisible ? [] : nil)
            if findings[i].kind == .selfConnect, let (range, line) = contexts[findings[i].namespace] {
                let owners = findings[i].owners ?? []
                findings[i].fix = Audit.fix(.selfConnect, findings[i].socket, range: range, line: line,
                                      owner: owners.first.map { ($0.command, SocketOwners.runsSwift(pid: $0.pid)) })
            }
        }
        return AuditReport(source: source, note: notes.isEmpty ? nil : notes.joined(separator: "; "), settings: settings,
                           socketCount: socketCount, namespaceCount: namespaceCount, ownersKnown: allVisible,
                           findings: findings, reservedPortsFix: fix)
    }

    /// The findings in a socket table, owners not yet looked up, and the merged reserved-ports fix line (prefixed
    /// with the `nsenter` that reaches `namespace`, when given).
    public static func analyse(
        _ rows: [TCPSocketRow], settings: KernelSettings, namespace: NetworkNamespaceRef? = nil
    ) -> ([AuditFinding], String?) {
        let range = settings.localPortRange
        let listeners = rows.filter { $0.state == .listen }
        var listenersByPort: [UInt16: [SocketIP]] = [:]
        for l in listeners { listenersByPort[l.local.port, default: []].append(l.local.address.canonical) }

        var flagged: [(FindingKind, TCPSocketRow)] = []
        for row in rows {
            if row.state != .listen, isSelfConnection(row.local, row.remote) {
                flagged.append((.selfConnect, row))
            } else if row.state == .listen {
                if range.contains(row.local.port), !settings.reservedPorts.contains(row.local.port) {
                    flagged.append((.listenerInEphemeralRange, row))
                }
            } else if row.state == .established || row.state == .synSent,
                      let addresses = listenersByPort[row.local.port],
                      !addresses.contains(where: { covers($0, row.local.address.canonical) }) {
                // An accepted socket shares its listener's port and address; a client on another address does not.
                flagged.append((.stolenPort, row))
            }
        }
        let reservable = flagged.map(\.1.local.port).filter { range.contains($0) && !settings.reservedPorts.contains($0) }
        let enter = namespace.map { "nsenter --net=\($0.path) " } ?? ""
        var fixed = settings.reservedPorts
        for port in reservable { fixed.insert(port) }
        let fixLine = reservable.isEmpty ? nil : "\(enter)sysctl -w net.ipv4.ip_local_reserved_ports=\(fixed)"
        let findings = flagged.map { kind, row in
            AuditFinding(kind: kind, socket: row, namespace: namespace, owners: nil,
                         risk: risk(kind, row), fix: fix(kind, row, range: range, line: fixLine))
        }
        return (findings, fixLine)
    }

    /// A listener on `listener` accepts connections addressed to `local` (the wildcard covers every address).
    static func covers(_ listener: SocketIP, _ local: SocketIP) -> Bool {
        listener == .v4(0) || listener == .v6(high: 0, low: 0) || listener == local
    }

    static func risk(_ kind: FindingKind, _ row: TCPSocketRow) -> String {
        let port = row.local.port
        switch kind {
        case .selfConnect where row.state == .timeWait:
            return "a socket connected to itself on port \(port) and closed within the last minute: a client here may keep reaching itself"
        case .selfConnect:
            return "the socket is connected to itself: its client reads back what it writes, and the service for port \(port) cannot bind it"
        case .listenerInEphemeralRange:
            return "port \(port) is in the ephemeral range: while the service is down, a client retrying it can self-connect and hold the port"
        case .stolenPort:
            return "a client uses the listening port \(port) as its source port: the service cannot bind it again after a restart"
        }
    }

    /// The fix for one finding. For a self-connect, `owner` (its command and whether it runs Swift) picks the guard:
    /// `selfconnect guard -- COMMAND ...` for any program, the SelfConnectGuard library for Swift; unknown owner
    /// (TIME_WAIT, not root): both.
    public static func fix(
        _ kind: FindingKind, _ row: TCPSocketRow, range: ClosedRange<UInt16>, line: String?,
        owner: (command: String, swift: Bool)? = nil
    ) -> String {
        let port = row.local.port
        let move = "move the service to a port outside \(range.lowerBound)-\(range.upperBound)"
        switch kind {
        case .selfConnect:
            let prevent: String
            switch owner {
            case let (_, swift)? where swift:
                prevent = "prevent it in the client with SelfConnectGuard.guardedConnect (POSIX) or SelfConnectNIO's SelfConnectGuardHandler"
            case let (command, _)?:
                prevent = "run the client under the guard: selfconnect guard -- \(command) ..."
            case nil:
                prevent = "run the client under the guard (selfconnect guard -- CMD ...; Swift: SelfConnectGuard.guardedConnect)"
            }
            let guardAdvice = row.state == .timeWait
                ? "the client that dials port \(port) can reach itself again: \(prevent)"
                : "close it (restart its client); \(prevent)"
            guard range.contains(port), let line else { return guardAdvice }
            return "\(guardAdvice); reserve the port: \(line)"
        case .listenerInEphemeralRange, .stolenPort:
            guard range.contains(port), let line else { return move }
            return "\(line) (or \(move))"
        }
    }
}
