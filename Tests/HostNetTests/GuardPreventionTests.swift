#if canImport(Glibc)
import Glibc
#endif
import HostNet
import LiveKernelGate
import SelfConnectGuard
import Testing

/// What a retry loop of `guardedConnect` saw, and how many segments went from the destination port to itself.
struct RetryLoopCounts: Equatable {
    var selfConnects = 0
    var refused = 0
    var other = 0
    var captured = 0
}

/// Runs up to `attempts` guarded connects to `destination` inside `namespace`, capturing on its loopback every
/// segment whose source port is the destination's own; stops at the first self-connect when `untilSelf`.
func retryLoop(
    in namespace: NetworkNamespaceRef, to destination: SocketEndpoint, attempts: Int, prevent: Bool,
    untilSelf: Bool = false
) throws -> RetryLoopCounts {
    try NetworkNamespaces.inside(namespace) { () throws(HostNetError) -> RetryLoopCounts in
        let capture = try PacketCapture(selfConnectPort: destination.port)
        var counts = RetryLoopCounts()
        for _ in 0..<attempts {
            let fd = socket(destination.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            do throws(SelfConnectError) {
                close(try guardedConnect(fd, to: destination, prevent: prevent))
                counts.other += 1
            } catch .connectedToSelf {
                counts.selfConnects += 1
                if untilSelf { break }
            } catch .system(call: "connect", errno: ECONNREFUSED) {
                counts.refused += 1
            } catch {
                counts.other += 1
            }
        }
        counts.captured = capture.drain().count
        return counts
    }
}

@Suite(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
struct GuardPreventionLiveTests {
    @Test(arguments: ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
    func preventNarrowsTheSourcePortsSoNoSYNEverLeavesFromTheDestinationPort(host: String) throws {
        guard LiveKernel.require() else { return }
        let namespace = try TestNamespace(prefix: "sc-prevent", portRange: 50000...50003)
        let ref = try #require(try NetworkNamespaces.all().first { $0.path == namespace.path })
        let destination = try #require(SocketEndpoint(numericHost: host, port: 50002))

        let guarded = try retryLoop(in: ref, to: destination, attempts: 2000, prevent: true)
        #expect(guarded == RetryLoopCounts(selfConnects: 0, refused: 2000, other: 0, captured: 0))

        // The same loop without prevention self-connects, and the capture sees it: the zero above is real.
        let detected = try retryLoop(in: ref, to: destination, attempts: 2000, prevent: false, untilSelf: true)
        print("\(host): prevented \(guarded), detection only \(detected)")
        #expect(detected.selfConnects == 1 && detected.captured > 0)
    }

    @Test func preventSaysWhatItDidForEachKindOfSocket() throws {
        guard LiveKernel.require() else { return }
        let namespace = try TestNamespace(prefix: "sc-plan", portRange: 50000...50003)
        let ref = try #require(try NetworkNamespaces.all().first { $0.path == namespace.path })
        let plans = try NetworkNamespaces.inside(ref) { () throws(HostNetError) -> [SelfConnectPrevention?] in
            let loopback = SocketIP.v4(0x7f00_0001)
            let unbound = try TCPSocket(family: AF_INET)
            let toOtherPort = try TCPSocket(family: AF_INET)
            let toOtherHost = try TCPSocket(family: AF_INET)
            let bound = try TCPSocket(family: AF_INET)
            try bound.bind(SocketEndpoint(loopback, 0))
            let pinned = try TCPSocket(family: AF_INET)
            try pinned.setLocalPortRange(50002...50002)
            return [
                try? preventSelfConnect(unbound.fd, to: SocketEndpoint(loopback, 50002)),
                try? preventSelfConnect(toOtherPort.fd, to: SocketEndpoint(loopback, 40000)),
                try? preventSelfConnect(toOtherHost.fd, to: SocketEndpoint(.v4(0xc633_6402), 50002)),  // 198.51.100.2
                try? preventSelfConnect(bound.fd, to: SocketEndpoint(loopback, 50002)),
                try? preventSelfConnect(pinned.fd, to: SocketEndpoint(loopback, 50002)),
            ]
        }
        #expect(plans == [.narrowed(50000...50001), .notNeeded, .notNeeded, .notNeeded, .unsupported])
    }
}

@Suite struct SelfConnectPreventionPlanTests {
    @Test func theLargerSideOfTheRangeThatExcludesThePortIsChosen() {
        #expect(SelfConnectPrevention.plan(destinationPort: 50002, local: true, range: 50000...50003) == .narrowed(50000...50001))
        #expect(SelfConnectPrevention.plan(destinationPort: 40000, local: true, range: 32768...60999) == .narrowed(40001...60999))
        #expect(SelfConnectPrevention.plan(destinationPort: 32768, local: true, range: 32768...60999) == .narrowed(32769...60999))
        #expect(SelfConnectPrevention.plan(destinationPort: 60999, local: true, range: 32768...60999) == .narrowed(32768...60998))
        // A tie goes low.
        #expect(SelfConnectPrevention.plan(destinationPort: 50001, local: true, range: 50000...50002) == .narrowed(50000...50000))
    }

    @Test func nothingIsNarrowedForOtherHostsOrPortsOutsideTheRange() {
        #expect(SelfConnectPrevention.plan(destinationPort: 50002, local: false, range: 50000...50003) == .notNeeded)
        #expect(SelfConnectPrevention.plan(destinationPort: 8080, local: true, range: 32768...60999) == .notNeeded)
    }

    @Test func aRangeOfOnlyTheDestinationPortCannotBeNarrowed() {
        #expect(SelfConnectPrevention.plan(destinationPort: 50002, local: true, range: 50002...50002) == .unsupported)
    }

    @Test func theSocketsOwnRangeAppliesBoundByBoundInsideTheGlobalOne() {
        let global: ClosedRange<UInt16> = 32768...60999
        #expect(SelfConnectPrevention.effectiveRange(global: global, socketOption: 0) == global)
        let own = SelfConnectPrevention.optionValue(40000...45000)
        #expect(own == 45000 << 16 | 40000)
        #expect(SelfConnectPrevention.effectiveRange(global: global, socketOption: own) == 40000...45000)
        // A bound outside the global range is ignored, as the kernel does.
        #expect(SelfConnectPrevention.effectiveRange(global: global, socketOption: SelfConnectPrevention.optionValue(1...45000)) == 32768...45000)
        #expect(SelfConnectPrevention.effectiveRange(global: global, socketOption: SelfConnectPrevention.optionValue(40000...65535)) == 40000...60999)
    }

    @Test func loopbackUnspecifiedAndMappedAddressesAreThisHost() throws {
        for host in ["127.0.0.1", "127.1.2.3", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1"] {
            #expect(SelfConnectPrevention.isThisHost(try #require(SocketEndpoint(numericHost: host, port: 1)).address), "\(host)")
        }
        #expect(!SelfConnectPrevention.isThisHost(.v4(0xc633_6402)))  // 198.51.100.2, TEST-NET-2
    }
}
