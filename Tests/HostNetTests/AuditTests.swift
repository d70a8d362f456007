#if canImport(Glibc)
import LiveKernelGate
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard
import TCPStack
import Testing

// Ports: 31040-31049 and 41040-41049 belong to this file.
@Suite struct AuditLiveTests {
    @Test func auditFindsOurSelfConnectedSocketAndOurListenerInTheEphemeralRange() throws {
        let settings = try KernelSettings.current()
        let listenPort: UInt16 = 41041
        try #require(settings.localPortRange.contains(listenPort) && !settings.reservedPorts.contains(listenPort))
        let selfPort = SocketEndpoint(.v4(0x7f00_0001), 31040)
        let selfConnected = try TCPSocket(family: AF_INET)
        try selfConnected.setReuseAddress()
        try selfConnected.bind(selfPort)
        #expect(selfConnected.connect(selfPort) == 0)
        let listener = try TCPSocket(family: AF_INET6)
        try listener.bind(SocketEndpoint(.v6(high: 0, low: 1), listenPort))
        try listener.listen()

        let report = try Audit.run()
        #expect(report.source == .sockDiag)
        let me = getpid()
        let selfFinding = try #require(report.findings.first { $0.kind == .selfConnect && $0.socket.local == selfPort })
        #expect(selfFinding.socket.remote == selfPort)
        #expect(selfFinding.socket.state == .established)
        #expect(selfFinding.owners?.map(\.pid) == [me])
        let listenFinding = try #require(report.findings.first {
            $0.kind == .listenerInEphemeralRange && $0.socket.local.port == listenPort
        })
        #expect(listenFinding.owners?.map(\.pid) == [me])
        #expect(listenFinding.fix.hasPrefix("sysctl -w net.ipv4.ip_local_reserved_ports="))
        let reserved = try #require(report.reservedPortsFix?.split(separator: "=").last.map(String.init))
        let merged = try ReservedPorts(parsing: reserved)
        #expect(merged.contains(listenPort))
        #expect((0...UInt16.max).allSatisfy { !settings.reservedPorts.contains($0) || merged.contains($0) })
    }

    @Test func whenSockDiagIsRefusedTheAuditReadsProcAndSaysSo() throws {
        let endpoint = SocketEndpoint(.v4(0x7f00_0001), 31044)
        let socket = try TCPSocket(family: AF_INET)
        try socket.setReuseAddress()  // a rerun finds the last run's (P, P) in TIME_WAIT
        try socket.bind(endpoint)
        #expect(socket.connect(endpoint) == 0)
        let report = try Audit.run(sockDiag: { () throws(HostNetError) in throw .system(call: "socket(NETLINK_SOCK_DIAG)", errno: EACCES) })
        #expect(report.source == .procNet)
        #expect(report.note?.hasPrefix("sock_diag refused (socket(NETLINK_SOCK_DIAG): Permission denied)") == true)
        let finding = try #require(report.findings.first { $0.socket.local == endpoint })
        #expect(finding.kind == .selfConnect)
        #expect(finding.owners?.map(\.pid) == [getpid()])
        // The owner is this Swift test process: the fix names the library.
        #expect(finding.fix.contains("SelfConnectGuard.guardedConnect"), "\(finding.fix)")
    }

    @Test func sockDiagAndProcNetTCPAgreeOnALiveSocket() throws {
        let endpoint = SocketEndpoint(.v6(high: 0, low: 1), 31042)
        let socket = try TCPSocket(family: AF_INET6)
        try socket.setReuseAddress()
        try socket.bind(endpoint)
        #expect(socket.connect(endpoint) == 0)
        let fromNetlink = try SockDiag.dump().filter { $0.local == endpoint }
        let fromProc = try ProcNetTCP.dump().filter { $0.local == endpoint }
        #expect(fromNetlink.count == 1)
        #expect(fromNetlink == fromProc)
        #expect(fromNetlink.first?.inode != 0)
    }
}

@Suite struct AuditAnalysisTests {
    let settings = KernelSettings(localPortRange: 32768...60999, reservedPorts: ReservedPorts([8080, 50000, 50001]), release: (6, 18))
    let lo = SocketIP.v4(0x7f00_0001)
    let other = SocketIP.v4(0x0a00_0001)

    func row(_ local: SocketEndpoint, _ remote: SocketEndpoint, _ state: TCPSocketState, inode: UInt32 = 1) -> TCPSocketRow {
        TCPSocketRow(local: local, remote: remote, state: state, uid: 0, inode: inode)
    }

    @Test func anAcceptedSocketOnTheListenersAddressIsNotAStolenPort() {
        let rows = [
            row(SocketEndpoint(.v4(0), 5000), SocketEndpoint(.v4(0), 0), .listen),
            row(SocketEndpoint(lo, 5000), SocketEndpoint(lo, 40000), .established),
            row(SocketEndpoint(lo, 40000), SocketEndpoint(lo, 5000), .established),
        ]
        #expect(Audit.analyse(rows, settings: settings).0.isEmpty)
    }

    @Test func aClientOnAnotherAddressUsingAListeningPortIsAStolenPort() {
        let rows = [
            row(SocketEndpoint(other, 45000), SocketEndpoint(.v4(0), 0), .listen),
            row(SocketEndpoint(lo, 45000), SocketEndpoint(lo, 6000), .synSent, inode: 9),
        ]
        let (findings, fix) = Audit.analyse(rows, settings: settings)
        #expect(findings.map(\.kind) == [.listenerInEphemeralRange, .stolenPort])
        #expect(findings.last?.socket.inode == 9)
        #expect(fix == "sysctl -w net.ipv4.ip_local_reserved_ports=8080,45000,50000-50001")
    }

    @Test func aV4MappedSelfConnectionIsFoundAndAReservedListenerIsNot() {
        let mapped = SocketEndpoint(.v6(high: 0, low: 0xffff_7f00_0001), 40000)
        let rows = [
            row(mapped, SocketEndpoint(lo, 40000), .established),
            row(SocketEndpoint(.v6(high: 0, low: 0), 50000), SocketEndpoint(.v6(high: 0, low: 0), 0), .listen),
            row(SocketEndpoint(.v4(0), 8080), SocketEndpoint(.v4(0), 0), .listen),
        ]
        let (findings, fix) = Audit.analyse(rows, settings: settings)
        #expect(findings.map(\.kind) == [.selfConnect])
        #expect(fix == "sysctl -w net.ipv4.ip_local_reserved_ports=8080,40000,50000-50001")
    }

    @Test func aListenerOutsideTheRangeNeedsNoFix() {
        let rows = [row(SocketEndpoint(.v4(0), 22), SocketEndpoint(.v4(0), 0), .listen)]
        let (findings, fix) = Audit.analyse(rows, settings: settings)
        #expect(findings.isEmpty && fix == nil)
    }
}

@Suite struct SocketTableParsingTests {
    @Test func procNetTCPLinesBecomeRows() {
        let text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:C350 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0
               1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77 1 0
            """
        let rows = ProcNetTCP.parse(text)
        #expect(rows == [
            TCPSocketRow(local: SocketEndpoint(.v4(0x7f00_0001), 50000), remote: SocketEndpoint(.v4(0x7f00_0001), 50000),
                         state: .established, uid: 0, inode: 4242),
            TCPSocketRow(local: SocketEndpoint(.v6(high: 0, low: 1), 22), remote: SocketEndpoint(.v6(high: 0, low: 0), 0),
                         state: .listen, uid: 1000, inode: 77),
        ])
    }

    @Test func reservedPortsParseMergeAndPrintLikeTheKernel() throws {
        var set = try ReservedPorts(parsing: "50000-50010,8080,50011\n")
        #expect(set.description == "8080,50000-50011")
        #expect(set.contains(50005) && !set.contains(50012))
        set.insert(8081)
        set.insert(40000)
        #expect(set.description == "8080-8081,40000,50000-50011")
        #expect(try ReservedPorts(parsing: "").count == 0)
        #expect(throws: SocketError.self) { try ReservedPorts(parsing: "10-5") }
        #expect(throws: SocketError.self) { try ReservedPorts(parsing: "x") }
    }
}

@Suite struct AuditNamespaceTests {
    /// Runs `ip ARGS`; true on success.
    func ip(_ arguments: [String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip"] + arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func allNamespacesFindsASelfConnectInsideANamespaceTheTestCreated() throws {
        guard LiveKernel.require() else { return }
        let name = "selfconnect-test-\(getpid())"
        try #require(try ip(["netns", "add", name]), "ip netns add failed")
        defer { _ = try? ip(["netns", "del", name]) }
        try #require(try ip(["-n", name, "link", "set", "lo", "up"]))
        let namespace = try #require(try NetworkNamespaces.all().first { $0.path == "/run/netns/\(name)" })
        let endpoint = SocketEndpoint(.v4(0x7f00_0001), 31050)
        let fd = try NetworkNamespaces.inside(namespace) { () throws(HostNetError) -> Int32 in
            let socket = try TCPSocket(family: AF_INET)
            try socket.bind(endpoint)
            guard socket.connect(endpoint) == 0 else { throw .unsupported("self-connect inside the namespace failed") }
            return socket.release()
        }
        defer { close(fd) }

        let report = try Audit.run(allNamespaces: true)
        #expect(report.namespaceCount >= 2)
        let finding = try #require(report.findings.first { $0.namespace == namespace })
        #expect(finding.kind == .selfConnect)
        #expect(finding.socket.local == endpoint && finding.socket.remote == endpoint)
        #expect(finding.owners?.map(\.pid) == [getpid()])
        // The owner is this Swift test process: the fix names the library.
        #expect(finding.fix.contains("SelfConnectGuard.guardedConnect"), "\(finding.fix)")
        // Our own namespace's audit does not see it.
        #expect(try Audit.run().findings.allSatisfy { $0.socket.inode != finding.socket.inode })
    }
}

@Suite struct AuditFixTests {
    static let row = TCPSocketRow(
        local: SocketEndpoint(.v4(0x7f00_0001), 50002), remote: SocketEndpoint(.v4(0x7f00_0001), 50002),
        state: .established, uid: 0, inode: 1)
    static let line = "sysctl -w net.ipv4.ip_local_reserved_ports=50002"

    @Test func aSelfConnectOwnedByAProgramThatIsNotSwiftIsFixedWithSelfconnectGuardAndTheSysctl() {
        let fix = Audit.fix(.selfConnect, Self.row, range: 32768...60999, line: Self.line, owner: ("python3", false))
        #expect(fix == "close it (restart its client); run the client under the guard: selfconnect guard -- python3 ...; reserve the port: \(Self.line)")
    }

    @Test func aSelfConnectOwnedByASwiftProgramIsFixedWithTheLibrary() {
        let fix = Audit.fix(.selfConnect, Self.row, range: 32768...60999, line: Self.line, owner: ("server", true))
        #expect(fix.contains("SelfConnectGuard.guardedConnect (POSIX) or SelfConnectNIO's SelfConnectGuardHandler"))
        #expect(fix.hasSuffix("reserve the port: \(Self.line)"))
        #expect(!fix.contains("selfconnect guard --"))
    }

    @Test func anUnknownOwnerGetsBoth() {
        var row = Self.row
        row.state = .timeWait
        let fix = Audit.fix(.selfConnect, row, range: 32768...60999, line: nil)
        #expect(fix == "the client that dials port 50002 can reach itself again: run the client under the guard (selfconnect guard -- CMD ...; Swift: SelfConnectGuard.guardedConnect)")
    }
}
