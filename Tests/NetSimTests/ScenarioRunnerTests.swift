import Foundation
import NetSim
import TCPStack
import TCPWire
import Testing

/// The runner's wiring (attempt bookkeeping, packet selection, renderings) on the toy stack; the real engine's
/// story is tested in the CLI tests.
@Suite struct ScenarioRunnerTests {
    static let toy = StackFactory<LoopbackToyStack>(
        personalities: ["toy"],
        make: { _, addresses, _, _ in LoopbackToyStack(refusals: 4, address: addresses[0]) },
        reachability: { _, port in "toy reason for \(port)" })

    func run(_ scenario: ScenarioName = .seed, seed: UInt64 = 1) throws -> SimulationReport {
        try ScenarioRunner.run(SimulationOptions(scenario: scenario, personality: "toy", seed: seed), stacks: Self.toy)
    }

    @Test func aPersonalityTheFactoryDoesNotOfferIsAnError() throws {
        #expect(throws: UnknownPersonality(name: "linux-6", known: ["toy"], needsSnapshot: false)) {
            try ScenarioRunner.run(SimulationOptions(personality: "linux-6"), stacks: Self.toy)
        }
    }

    @Test func reportCountsAttemptsAndPorts() throws {
        let r = try run()
        #expect(r.attempts.count == 5)
        #expect(r.refusedAttempts == 4)
        #expect(r.attempts.map { $0.local?.port } == [40000, 40001, 40002, 40003, 40004])
        #expect(r.connection?.local == Endpoint(.v4(.loopback), 40004))
        #expect(r.summaryLine.hasPrefix("summary: connected after 5 attempts (4 refused); "
            + "source ports tried: 40000 (first) .. 40004 (last); simulated time 0."))
        #expect(r.summaryLine.hasSuffix("; why port 50000 was reachable: toy reason for 50000"))
    }

    @Test func chosenPacketsAreTheLastRefusedAttemptAndTheConnection() throws {
        let r = try run()
        // Toy SYNs go back to their sender: one for 40003 (refused), then 40004's SYN and two typed lines.
        #expect(r.chosenCaptures.map(\.packet.tcp.sourcePort) == [40003, 40004, 40004, 40004])
        #expect(r.captures.count == 7)
    }

    @Test func svgAndJSONParse() throws {
        let r = try run()
        let (ok, error, _) = XMLCheck.parse(r.svg)
        #expect(ok, "\(error ?? "")")
        let json = try JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any]
        #expect(json?["attempts"] as? Int == 5)
        #expect((json?["source_ports"] as? [String: Any])?["last"] as? Int == 40004)
    }

    @Test func sameSeedSameBytes() throws {
        let a = try run(seed: 9), b = try run(seed: 9)
        #expect(a.svg == b.svg)
        #expect(a.json == b.json)
        #expect(a.pcapBytes == b.pcapBytes)
        #expect(a.story == b.story)
    }

    @Test func refusedScenarioMakesOneAttempt() throws {
        let r = try run(.refused)
        #expect(r.attempts.count == 1)
        #expect(r.connection == nil)
        #expect(r.story.map(\.text) == ["Trying 127.0.0.1...", "telnet: connect to address 127.0.0.1: Connection refused"])
    }
}
