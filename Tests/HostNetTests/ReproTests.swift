import HostNet
import SelfConnectGuard
import Testing

// Ports: 31001-31009 and 41004-41016 belong to this file; other suites use their own.
@Suite struct ReproLiveTests {
    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason), arguments: [("127.0.0.1", 31001), ("::1", 31002)])
    func bindModeSelfConnectsInExactlyOneAttempt(host: String, port: Int) throws {
        guard LiveKernel.require() else { return }
        let destination = try #require(SocketEndpoint(numericHost: host, port: UInt16(port)))
        var options = ReproOptions(destination: destination)
        options.bindFirst = true
        let result = try Repro.run(options)
        #expect(result.attempts == 1)
        #expect(result.outcome == .selfConnected(local: destination, remote: destination, echoed: options.message))
        #expect(result.firstSourcePort == UInt16(port))
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func naturalLoopSelfConnectsOnAnEvenPortInANarrowRange() throws {
        guard LiveKernel.require() else { return }
        let settings = try KernelSettings.current()
        try #require(settings.hasPerSocketPortRange, "IP_LOCAL_PORT_RANGE needs Linux 6.3")
        let port: UInt16 = 41010
        try #require(settings.localPortRange.contains(41004) && settings.localPortRange.contains(41016))
        var options = ReproOptions(destination: SocketEndpoint(.v4(0x7f00_0001), port))
        options.localPortRange = 41004...41016
        options.maxAttempts = 200_000  // a TIME_WAIT on (P, P) younger than 1 s holds P back
        options.timeLimit = 20
        #expect(try Repro.refusal(for: options, acceptOtherParity: false) == nil)
        let result = try Repro.run(options)
        let local = SocketEndpoint(.v4(0x7f00_0001), port)
        #expect(result.outcome == .selfConnected(local: local, remote: local, echoed: options.message))
        #expect(port % 2 == 0)
        #expect(result.attempts >= 1 && result.attempts <= 200_000)
        #expect(result.refused == result.attempts - 1 - result.addressUnavailable)
        #expect(result.lastSourcePort == port)
        #expect((41004...41016).contains(try #require(result.firstSourcePort)))
    }
}

@Suite struct ReproPreflightTests {
    let settings = KernelSettings(localPortRange: 32768...60999, reservedPorts: PortSet([50010...50012]), release: (6, 18))

    func options(port: UInt16, range: ClosedRange<UInt16>? = nil, bind: Bool = false) -> ReproOptions {
        var o = ReproOptions(destination: SocketEndpoint(.v4(0x7f00_0001), port))
        o.localPortRange = range
        o.bindFirst = bind
        return o
    }

    func listener(_ port: UInt16) -> TCPSocketRow {
        TCPSocketRow(local: SocketEndpoint(.v4(0), port), remote: SocketEndpoint(.v4(0), 0), state: .listen, uid: 0, inode: 7)
    }

    @Test func aListenedPortIsRefusedEvenInBindMode() {
        for bind in [false, true] {
            let refusal = Repro.refusal(for: options(port: 50000, bind: bind), settings: settings,
                                        sockets: [listener(50000)], acceptOtherParity: true)
            #expect(refusal == .listenedOn(port: 50000, owners: []))
        }
    }

    @Test func aPortOutsideTheEphemeralRangeIsRefusedUnlessBound() {
        #expect(Repro.refusal(for: options(port: 8080), settings: settings, sockets: [], acceptOtherParity: true)
            == .outsideEphemeralRange(port: 8080, range: 32768...60999))
        #expect(Repro.refusal(for: options(port: 8080, bind: true), settings: settings, sockets: [], acceptOtherParity: false) == nil)
    }

    @Test func aReservedPortIsRefused() {
        #expect(Repro.refusal(for: options(port: 50010), settings: settings, sockets: [], acceptOtherParity: true)
            == .reserved(port: 50010))
    }

    @Test func anOddPortNeedsExplicitMaxAttemptsOnLinux46AndLater() {
        #expect(Repro.refusal(for: options(port: 50001), settings: settings, sockets: [], acceptOtherParity: false)
            == .otherParity(port: 50001))
        #expect(Repro.refusal(for: options(port: 50001), settings: settings, sockets: [], acceptOtherParity: true) == nil)
        var old = settings
        old.release = (4, 5)
        #expect(Repro.refusal(for: options(port: 50001), settings: old, sockets: [], acceptOtherParity: false) == nil)
    }

    @Test func aPerSocketRangeDropsTheParityRuleFromLinux68() {
        #expect(Repro.refusal(for: options(port: 50001, range: 49990...50010), settings: settings, sockets: [],
                              acceptOtherParity: false) == nil)
        #expect(Repro.refusal(for: options(port: 50003, range: 49990...50002), settings: settings, sockets: [],
                              acceptOtherParity: true) == .outsideEphemeralRange(port: 50003, range: 49990...50002))
    }
}
