import NetSim
import TCPStack
import TCPWire
import Testing

@Suite struct SimulatorTests {
    func telnetRun(refusals: Int, seed: UInt64 = 1) -> (Simulator<LoopbackToyStack>, TelnetClient<LoopbackToyStack>) {
        var sim = Simulator<LoopbackToyStack>(seed: seed)
        let host = sim.addHost(name: "h", addresses: [.v4(.loopback)], stack: LoopbackToyStack(refusals: refusals))
        let app = sim.install(TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(.loopback), 50000)), on: host)
        _ = sim.run()
        return (sim, sim.application(app, as: TelnetClient<LoopbackToyStack>.self)!)
    }

    @Test func telnetClientRetriesUntilConnectedThenEchoes() {
        let (sim, client) = telnetRun(refusals: 3)
        let refused = "telnet: connect to address 127.0.0.1: Connection refused"
        let expected = Array(repeating: ["Trying 127.0.0.1...", refused], count: 3).flatMap { $0 } + [
            "Trying 127.0.0.1...", "Connected to 127.0.0.1.", "Escape character is '^]'.",
            "test1", "test1", "test2", "test2",
        ]
        #expect(sim.story.map(\.text) == expected)
        #expect(client.attempts.count == 4)
        #expect(client.attempts.map(\.result) == [.connectionRefused, .connectionRefused, .connectionRefused, nil])
        #expect(client.attempts.map { $0.local?.port } == [40000, 40001, 40002, 40003])
    }

    @Test func tapsRecordEveryPacketWithItsVirtualTime() {
        let (sim, _) = telnetRun(refusals: 2)
        // Three SYNs, then the two typed lines.
        #expect(sim.captures.count == 5)
        #expect(sim.captures.map(\.interface) == Array(repeating: "lo", count: 5))
        // The retry waits 50 µs after each refusal, and each SYN takes the 6 µs loopback hop.
        #expect(sim.captures.prefix(3).map(\.time.nanoseconds) == [0, 56_000, 112_000])
        #expect(sim.packetsSent == 5)
        #expect(sim.transitions.count == 1)
        #expect(sim.transitions.first?.host == "h")
        #expect(sim.transitions.first?.time == Instant(nanoseconds: 118_000))
    }

    @Test func aCopiedSimulatorKeepsItsOwnApplications() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let host = sim.addHost(name: "h", addresses: [.v4(.loopback)], stack: LoopbackToyStack(refusals: 3))
        let app = sim.install(TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(.loopback), 50000)), on: host)
        let untouched = sim
        _ = sim.run()
        #expect(sim.application(app, as: TelnetClient<LoopbackToyStack>.self)!.attempts.count == 4)
        // The copy was taken before the run: its client has not started, and it can run on its own.
        #expect(untouched.application(app, as: TelnetClient<LoopbackToyStack>.self)!.attempts.isEmpty)
        var second = untouched
        _ = second.run()
        #expect(second.application(app, as: TelnetClient<LoopbackToyStack>.self)!.attempts.count == 4)
        #expect(second.story.map(\.text) == sim.story.map(\.text))
    }

    @Test func aDuplicatedPacketIsDeliveredTwice() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let host = sim.addHost(
            name: "h", addresses: [.v4(.loopback)], stack: LoopbackToyStack(refusals: 0),
            loopback: LinkImpairments(delay: .microseconds(6), duplication: 1))
        // The client keeps its socket open, so the toy can hand it both copies.
        sim.install(
            TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(.loopback), 50000), lines: [], closeWhenDone: false),
            on: host)
        _ = sim.run()
        // The toy records one transition per SYN it is handed: both copies arrived, 6 µs after the one send.
        #expect(sim.packetsSent == 1)
        #expect(sim.transitions.map(\.time) == [Instant(nanoseconds: 6_000), Instant(nanoseconds: 6_000)])
    }

    @Test func duplicatesSentWhileOthersAreInFlightAreEachDeliveredOnce() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let host = sim.addHost(
            name: "h", addresses: [.v4(.loopback)], stack: LoopbackToyStack(refusals: 0),
            loopback: LinkImpairments(delay: .microseconds(6), duplication: 1))
        // The line is sent on the first SYN copy, while the second is still in flight; the toy echoes each copy
        // of the line to the client, which prints what it typed and each echo.
        sim.install(
            TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(.loopback), 50000), lines: ["a"], closeWhenDone: false),
            on: host)
        _ = sim.run()
        #expect(sim.packetsSent == 2)
        #expect(sim.transitions.count == 2)
        #expect(sim.story.filter { $0.text == "a" }.count == 3)
        #expect(sim.story.filter { $0.text == "a" }.map(\.time.nanoseconds) == [6_000, 12_000, 12_000])
    }

    @Test func aLostPacketIsNeverDelivered() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let host = sim.addHost(
            name: "h", addresses: [.v4(.loopback)], stack: LoopbackToyStack(refusals: 0),
            loopback: LinkImpairments(delay: .microseconds(6), loss: 1))
        sim.install(TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(.loopback), 50000), lines: []), on: host)
        #expect(sim.run() == .quiescent)
        #expect(sim.packetsSent == 1)
        #expect(sim.packetsDropped == 1)
        #expect(sim.transitions.isEmpty)
    }

    @Test func maxAttemptsStopsTheLoop() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let host = sim.addHost(name: "h", addresses: [.v4(.loopback)], stack: LoopbackToyStack(refusals: 100))
        let app = sim.install(
            TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(.loopback), 50000), maxAttempts: 5), on: host)
        #expect(sim.run() == .stopped)
        let client = sim.application(app, as: TelnetClient<LoopbackToyStack>.self)!
        #expect(client.attempts.count == 5)
        #expect(client.outcome == .gaveUp)
    }

    @Test func packetsToAnotherHostCrossTheLinkWithItsDelay() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let a = IPAddress.v4(IPv4Address(10, 0, 0, 1)), b = IPAddress.v4(IPv4Address(10, 0, 0, 2))
        let ha = sim.addHost(name: "a", addresses: [a], stack: LoopbackToyStack(refusals: 0, address: a))
        let hb = sim.addHost(name: "b", addresses: [b], stack: LoopbackToyStack(refusals: 0, address: b))
        sim.link(ha, hb, impairments: LinkImpairments(delay: .milliseconds(10)))
        sim.install(TelnetClient<LoopbackToyStack>(remote: Endpoint(b, 50000), lines: []), on: ha)
        _ = sim.run()
        #expect(sim.captures.first?.interface == "eth0")
        #expect(sim.captures.first?.packet.ip.destination == b)
        // The toy stack on b finds no socket for the SYN, so the client waits forever: nothing more happens.
        #expect(sim.now == .milliseconds(10))
    }

    @Test func unroutablePacketsAreDropped() {
        var sim = Simulator<LoopbackToyStack>(seed: 1)
        let a = IPAddress.v4(IPv4Address(10, 0, 0, 1))
        let ha = sim.addHost(name: "a", addresses: [a], stack: LoopbackToyStack(refusals: 0, address: a))
        sim.install(TelnetClient<LoopbackToyStack>(remote: Endpoint(.v4(IPv4Address(10, 9, 9, 9)), 1)), on: ha)
        #expect(sim.run() == .quiescent)
        #expect(sim.packetsDropped == 1)
        #expect(sim.captures.isEmpty)
    }
}
