import Testing
import TCPWire
@testable import TCPStack

@Suite struct PortPersonalityTests {
    @Test func namedPersonalitiesCarryTheirDocumentedDefaults() throws {
        let table: [(String, UInt16, UInt16, AllocatorKind, Bool)] = [
            ("linux-3.10", 32768, 61000, .linux310, false),
            ("linux-4.6", 32768, 60999, .linux46, false),
            ("linux-6", 32768, 60999, .linux6, false),
            ("rfc9293", 1024, 65535, .rfc6056Algorithm3, false),
            ("xnu", 49152, 65535, .xnu, true),
            ("freebsd", 10000, 65535, .rfc6056Algorithm1, false),
            ("linux-hardened", 32768, 60999, .linux6, false),
        ]
        for (name, lo, hi, kind, refuses) in table {
            let personality = try Personality.named(name)
            let p = personality.ports
            #expect(p.range == (try PortRange(lower: lo, upper: hi)), "\(name)")
            #expect(p.allocator == kind, "\(name)")
            #expect(personality.refusesIPv4SelfConnect == refuses, "\(name)")
            #expect(!p.source.isEmpty)
        }
        #expect(table.map(\.0) == Personality.catalog.map(\.name))
    }

    @Test func bareRFC6056AllocatorsSpanTheRangeRFC6056Recommends() throws {
        #expect(AllocatorKind.rfc6056.map(\.name) == ["rfc6056-1", "rfc6056-2", "rfc6056-3", "rfc6056-4", "rfc6056-5"])
        // The labels `selfconnect-bench ports` prints: a system's allocator under its personality's name.
        #expect(AllocatorKind.allCases.map(\.name) == [
            "linux-3.10", "linux-4.6", "linux-6", "rfc6056-1", "rfc6056-2", "rfc6056-3", "rfc6056-4", "rfc6056-5", "xnu",
        ])
        let recommended = try PortRange(lower: 1024, upper: 65535)
        for kind in AllocatorKind.rfc6056 {
            let p = PortPersonality.rfc6056(kind)
            #expect(p.allocator == kind && p.range == recommended && p.reserved.count == 0)
        }
    }

    @Test func hostPersonalityIsLinux6WithTheHostsRangeAndReservedPorts() throws {
        let snapshot = try SysctlSnapshot(parsing: [
            "net.ipv4.ip_local_port_range": "40000\t40999\n",
            "net/ipv4/ip_local_reserved_ports": "40010-40012\n",
            "net.ipv4.tcp_rmem": "4096\t131072\t33554432\n",
            "net.ipv4.tcp_sack": "1\n", "net.ipv4.tcp_timestamps": "1\n", "net.ipv4.tcp_window_scaling": "0\n",
            "net.ipv4.tcp_tw_reuse": "2\n", "net.core.somaxconn": "4096\n",
        ])
        #expect(snapshot.localPortRange == (try PortRange(lower: 40000, upper: 40999)))
        #expect(snapshot.reservedPorts?.description == "40010-40012")
        #expect(snapshot.receiveBuffer == SysctlSnapshot.BufferSizes(min: 4096, initial: 131072, max: 33554432))
        #expect(snapshot.sack == true && snapshot.windowScaling == false && snapshot.timestamps == 1)
        #expect(snapshot.timeWaitReuse == 2)
        let host = PortPersonality.host(snapshot)
        #expect(host.allocator == .linux6)
        #expect(host.range.lower == 40000 && host.reserved.contains(40011))
        #expect(PortPersonality.host(SysctlSnapshot()).range == PortPersonality.linux6.range)
    }

    @Test(arguments: [
        ("net.ipv4.ip_local_port_range", "61000 32768"),
        ("net.ipv4.ip_local_port_range", "32768"),
        ("net.ipv4.ip_local_port_range", "0 100"),
        ("net.ipv4.tcp_rmem", "4096 131072"),
        ("net.ipv4.tcp_sack", "yes"),
        ("net.ipv4.ip_local_reserved_ports", "9-1"),
    ])
    func malformedSysctlValuesAreRejected(_ name: String, _ value: String) {
        #expect(throws: SysctlSnapshot.ParseError.malformed(name: name, value: value)) {
            try SysctlSnapshot(parsing: [name: value])
        }
    }
}
