import NetSim
import TCPStack
import TCPWire
import Testing

/// The article's loop on the real engine under every personality of TCPStack's catalog.
@Suite struct PersonalitySimulationTests {
    @Test(arguments: ["linux-3.10", "linux-4.6", "linux-6", "rfc9293", "freebsd"])
    func theSeedLoopSelfConnectsUnderEachPersonality(name: String) throws {
        let r = try SimulationEngine.run(SimulationOptions(personality: name, seed: 1))
        #expect(r.isSelfConnect, "\(name): \(r.summaryLine)")
        #expect(r.connection?.local == Endpoint(.v4(.loopback), 50000))
        #expect(r.story.map(\.text).contains("Connected to 127.0.0.1."))
    }

    /// XNU: one lap of 49152-65535 is 16384 ports, so 20000 attempts draw 50000 at least once; each such connect()
    /// fails with EINVAL and the loop goes on until its attempt budget runs out, without connecting.
    @Test func xnuNeverSelfConnectsOverIPv4AndTheStorySaysWhy() throws {
        let r = try SimulationEngine.run(SimulationOptions(personality: "xnu", seed: 1, maxAttempts: 20_000))
        #expect(r.connection == nil)
        #expect(r.attempts.count == 20_000)
        let einval = r.attempts.filter { $0.result == .invalidArgument }.count
        #expect(einval >= 1)
        #expect(r.refusedAttempts + einval == 20_000)
        #expect(r.story.map(\.text).contains("telnet: connect to address 127.0.0.1: Invalid argument"))
        #expect(r.summaryLine.contains("no connection after 20000 attempts"))
        #expect(r.summaryLine.contains("\(einval) refused by connect() itself with EINVAL"))
        #expect(r.summaryLine.contains("refuses an IPv4 self-connect with EINVAL"))
    }

    @Test func xnuSelfConnectsOverIPv6() throws {
        let r = try SimulationEngine.run(SimulationOptions(scenario: .seedV6, personality: "xnu", seed: 1))
        #expect(r.isSelfConnect, "\(r.summaryLine)")
        #expect(!r.attempts.contains { $0.result == .invalidArgument })
    }

    @Test func hostUsesTheSnapshotItIsGiven() throws {
        // A snapshot whose range leaves 50000 out: the loop cannot reach it, and the summary says so.
        let snapshot = try SysctlSnapshot(parsing: ["net.ipv4.ip_local_port_range": "40000 40099"])
        let r = try SimulationEngine.run(SimulationOptions(personality: "host", seed: 1, maxAttempts: 300), host: snapshot)
        #expect(r.connection == nil)
        #expect(r.attempts.allSatisfy { ($0.local?.port).map { (40000...40099).contains($0) } ?? true })
        #expect(r.summaryLine.contains("50000 lies outside ip_local_port_range 40000-40099"))
    }

    @Test func everyCatalogNameIsOffered() {
        #expect(SimulationEngine.personalities
            == ["linux-3.10", "linux-4.6", "linux-6", "rfc9293", "xnu", "freebsd", "host"])
    }
}

/// A personality the catalog does not know is an error in the library too, never a fallback to another one.
@Suite struct UnknownPersonalityTests {
    @Test func simulationEngineRefusesAnUnknownPersonality() {
        #expect(throws: UnknownPersonality.self) { try SimulationEngine.run(SimulationOptions(personality: "nope")) }
        do {
            _ = try SimulationEngine.run(SimulationOptions(personality: "linux6"))
            Issue.record("linux6 (no dash) was accepted")
        } catch {
            #expect(error.name == "linux6")
            #expect(error.known.contains("linux-6"))
        }
    }
}
