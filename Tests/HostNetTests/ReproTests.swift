#if canImport(Glibc)
import Glibc
#endif
import HostNet
import SelfConnectGuard
import TCPStack
import Testing

// Ports: 31001-31009, 41004-41016 and 41044-41056 belong to this file; other suites use their own.
@Suite struct ReproLiveTests {
    @Test(arguments: [("127.0.0.1", 31001), ("::1", 31002)])
    func bindModeSelfConnectsInExactlyOneAttempt(host: String, port: Int) throws {
        let destination = try #require(SocketEndpoint(numericHost: host, port: UInt16(port)))
        var options = ReproOptions(destination: destination)
        options.bindFirst = true
        let result = try Repro.run(options)
        #expect(result.attempts == 1)
        #expect(result.outcome == .selfConnected(local: destination, remote: destination, echoed: options.message))
        #expect(result.firstSourcePort == UInt16(port))
    }

    @Test func aServerCanBindThePortRightAfterARun() throws {
        let destination = SocketEndpoint(.v4(0x7f00_0001), 41050)
        var options = ReproOptions(destination: destination)
        options.localPortRange = 41044...41056
        #expect(try Repro.run(options).selfConnected)
        // The self-connection sits in TIME_WAIT with SO_REUSEADDR, which does not stop a server that sets it too.
        let server = try TCPSocket(family: AF_INET)
        try server.setReuseAddress()
        try server.bind(destination)
        try server.listen()
    }

    @Test func naturalLoopSelfConnectsOnAnEvenPortInANarrowRange() throws {
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
    let settings = KernelSettings(localPortRange: 32768...60999, reservedPorts: ReservedPorts(50010...50012), release: (6, 18))

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

    @Test func aPerSocketBoundOutsideTheSystemRangeIsIgnoredAsTheKernelDoes() {
        // Both bounds lie outside 32768-60999, so the kernel keeps the system range and 20006 stays unreachable.
        #expect(Repro.refusal(for: options(port: 20006, range: 20000...20010), settings: settings, sockets: [],
                              acceptOtherParity: true) == .outsideEphemeralRange(port: 20006, range: 32768...60999))
        // Only the low bound applies here: 49000...60999.
        #expect(Repro.refusal(for: options(port: 48000, range: 49000...65000), settings: settings, sockets: [],
                              acceptOtherParity: true) == .outsideEphemeralRange(port: 48000, range: 49000...60999))
    }
}
