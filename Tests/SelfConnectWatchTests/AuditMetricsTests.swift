@testable import HostNet
import SelfConnectGuard
import SelfConnectWatch
import TCPStack
import Testing

@Suite struct AuditMetricsTests {
    let settings = KernelSettings(
        localPortRange: 32768...60999, reservedPorts: ReservedPorts([8080] + Array(50000...50009) + Array(60990...61010)),
        release: (6, 18))

    func report(_ findings: [(FindingKind, UInt16, TCPSocketState)]) -> AuditReport {
        let rows = findings.map { kind, port, state in
            let local = SocketEndpoint(.v4(0x7f00_0001), port)
            let remote = kind == .selfConnect ? local
                : kind == .stolenPort ? SocketEndpoint(.v4(0x7f00_0001), 9000) : SocketEndpoint(.v4(0), 0)
            return (kind, TCPSocketRow(local: local, remote: remote, state: state, uid: 0, inode: 1))
        }
        return AuditReport(
            source: .sockDiag, note: nil, settings: settings, socketCount: rows.count, namespaceCount: 1,
            ownersKnown: true,
            findings: rows.map { AuditFinding(kind: $0.0, socket: $0.1, namespace: nil, owners: [], risk: "", fix: "") },
            reservedPortsFix: nil)
    }

    @Test func gaugesCarryPortAndStateAndFallToZeroWhenTheSocketIsGone() {
        var metrics = AuditMetrics()
        metrics.record(report([(.selfConnect, 40000, .established), (.listenerInEphemeralRange, 40001, .listen),
                               (.listenerInEphemeralRange, 40001, .listen), (.stolenPort, 40002, .established)]),
                       elapsed: .milliseconds(3))
        var s = samples(metrics.registry.emitToString())
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40000", "state": "ESTABLISHED"]) == 1)
        #expect(s.value("selfconnect_risky_listeners", ["port": "40001", "reason": "ephemeral_range"]) == 2)
        #expect(s.value("selfconnect_risky_listeners", ["port": "40002", "reason": "port_stolen"]) == 1)
        #expect(s.value("selfconnect_audit_duration_seconds") == 0.003)
        #expect(s.value("selfconnect_ephemeral_ports") == 28232)
        #expect(s.value("selfconnect_ephemeral_reserved_ports") == 20)  // 50000-50009 and 60990-60999

        metrics.record(report([(.selfConnect, 40000, .timeWait)]), elapsed: .milliseconds(1))
        s = samples(metrics.registry.emitToString())
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40000", "state": "ESTABLISHED"]) == 0)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40000", "state": "TIME_WAIT"]) == 1)
        #expect(s.value("selfconnect_risky_listeners", ["port": "40001", "reason": "ephemeral_range"]) == 0)
        #expect(s.value("selfconnect_audits_total") == 2)
    }

    @Test func aLastingSelfConnectIsCountedOnceAndANewOneAgain() {
        var metrics = AuditMetrics()
        metrics.record(report([(.selfConnect, 40000, .established)]), elapsed: .zero)
        metrics.record(report([(.selfConnect, 40000, .timeWait)]), elapsed: .zero)
        #expect(samples(metrics.registry.emitToString()).value("selfconnect_self_connects_seen_total") == 1)
        metrics.record(report([(.selfConnect, 40000, .timeWait), (.selfConnect, 40003, .established)]), elapsed: .zero)
        metrics.record(report([]), elapsed: .zero)
        metrics.record(report([(.selfConnect, 40000, .established)]), elapsed: .zero)
        #expect(samples(metrics.registry.emitToString()).value("selfconnect_self_connects_seen_total") == 3)
    }

    @Test func portLabelsAreCappedAndTheRestSummedIntoOther() {
        var metrics = AuditMetrics(maxPortsPerMetric: 2)
        metrics.record(report([(.selfConnect, 40010, .established), (.selfConnect, 40011, .established),
                               (.selfConnect, 40012, .established), (.selfConnect, 40013, .established)]),
                       elapsed: .zero)
        var s = samples(metrics.registry.emitToString()).filter { $0.name == "selfconnect_self_connected_sockets" }
        #expect(s.count == 3)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40010", "state": "ESTABLISHED"]) == 1)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40011", "state": "ESTABLISHED"]) == 1)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "other", "state": "ESTABLISHED"]) == 2)

        // 40010 is gone: its idle series makes room for the new port 40020; 40011 stays.
        metrics.record(report([(.selfConnect, 40011, .established), (.selfConnect, 40020, .established)]),
                       elapsed: .zero)
        s = samples(metrics.registry.emitToString()).filter { $0.name == "selfconnect_self_connected_sockets" }
        #expect(s.count == 3)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40020", "state": "ESTABLISHED"]) == 1)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40011", "state": "ESTABLISHED"]) == 1)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "other", "state": "ESTABLISHED"]) == 0)
    }

    @Test func aFailedAuditIsCountedAndKeepsTheGauges() {
        var metrics = AuditMetrics()
        try? Watch.auditOnce(into: &metrics) { () throws(HostNetError) -> AuditReport in
            report([(.selfConnect, 40030, .established)])
        }
        #expect(throws: HostNetError.unreadable(path: "/proc/net/tcp")) {
            try Watch.auditOnce(into: &metrics) { () throws(HostNetError) -> AuditReport in
                throw .unreadable(path: "/proc/net/tcp")
            }
        }
        let s = samples(metrics.registry.emitToString())
        #expect(s.value("selfconnect_audit_failures_total") == 1)
        #expect(s.value("selfconnect_audits_total") == 1)
        #expect(s.value("selfconnect_self_connected_sockets", ["port": "40030", "state": "ESTABLISHED"]) == 1)
    }
}
