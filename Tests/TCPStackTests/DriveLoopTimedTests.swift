import Testing
import TCPStack
import TCPWire

/// `DriveLoop`'s timed half, the one the simulator runs on: deliveries at the instants a `DeliveryPolicy` gives,
/// ties in the order scheduled, lost and duplicated packets, and each host's timer as an event.
@Suite struct DriveLoopTimedTests {
    /// Every packet arrives `delay` after it is sent; `drop` packets (counted from 0) are lost, `twice` arrive
    /// twice (the copy 1 µs later). Remembers each packet's route and flags.
    struct FixedDelay: DeliveryPolicy {
        var delay: Duration = .microseconds(6)
        var drop: Set<Int> = []
        var twice: Set<Int> = []
        var seen: [(route: PacketRoute, flags: TCPFlags, at: Instant)] = []

        mutating func carry(_ packet: inout IPPacket, from sender: Int, route: PacketRoute, now: Instant) -> Arrivals {
            let n = seen.count
            seen.append((route, packet.tcp.flags, now))
            if drop.contains(n) { return Arrivals() }
            let at = now + delay
            return Arrivals(first: at, duplicate: twice.contains(n) ? at + .microseconds(1) : nil)
        }
    }

    /// Runs the timed half to the end (or `until`): delivers, runs timers, sends through `policy`. Returns the
    /// events in the order they came, with their instants.
    func run(
        _ loop: inout DriveLoop<HostStack>, _ policy: inout FixedDelay, until end: Instant = .milliseconds(10_000)
    ) -> [(Instant, DriveEvent)] {
        var seen: [(Instant, DriveEvent)] = []
        while let next = loop.nextEventTime, next <= end, let event = loop.nextEvent() {
            seen.append((loop.now, event))
            let h: Int
            switch event {
            case .delivery(let host, let slot):
                loop.deliverInFlight(slot, to: host)
                h = host
            case .timer(let host):
                guard loop.runTimer(of: host) else { continue }
                h = host
            case .driver: continue
            }
            loop.send(from: h, through: &policy)
            loop.scheduleTimer(of: h)
        }
        return seen
    }

    func boundSelfConnect() throws -> (DriveLoop<HostStack>, SocketID) {
        var loop = DriveLoop(host(.linux6, [v4]))
        let s = loop.hosts[0].socket()
        try loop.hosts[0].bind(s, to: Endpoint(v4, 40000))
        try loop.hosts[0].connect(s, to: Endpoint(v4, 40000), now: loop.now)
        return (loop, s)
    }

    @Test func aTimedSelfConnectLoopsBackThroughThePolicyAndArrivesAfterItsDelay() throws {
        var (loop, s) = try boundSelfConnect()
        var policy = FixedDelay()
        loop.send(from: 0, through: &policy)
        loop.scheduleTimer(of: 0)
        let events = run(&loop, &policy)
        let deliveries = events.filter { if case .delivery = $0.1 { true } else { false } }.map(\.0)
        #expect(Array(deliveries.prefix(3)) == [6_000, 12_000, 18_000].map { Instant(nanoseconds: $0) })
        #expect(policy.seen.prefix(2).map(\.flags) == [.syn, .synAck])
        #expect(policy.seen.allSatisfy { $0.route == .loopback })
        #expect(loop.hosts[0].state(of: s) == .established)
        #expect(loop.hosts[0].remoteEndpoint(of: s) == Endpoint(v4, 40000))
    }

    @Test func aLostSynIsSentAgainWhenTheHostsTimerEventFires() throws {
        var (loop, s) = try boundSelfConnect()
        var policy = FixedDelay(drop: [0])
        loop.send(from: 0, through: &policy)
        loop.scheduleTimer(of: 0)
        let events = run(&loop, &policy)
        let timers = events.filter { if case .timer = $0.1 { true } else { false } }.map(\.0)
        // linux-6's first SYN retransmission is due 1 s after connect().
        #expect(timers.first == .milliseconds(1_000))
        #expect(policy.seen[1].flags == .syn)
        #expect(policy.seen[1].at == .milliseconds(1_000))
        #expect(loop.hosts[0].state(of: s) == .established)
    }

    @Test func aDuplicatedPacketIsDeliveredTwiceAtBothInstants() throws {
        var (loop, _) = try boundSelfConnect()
        var policy = FixedDelay(twice: [0])
        loop.send(from: 0, through: &policy)
        let first = loop.nextEvent()
        let firstAt = loop.now
        guard case .delivery(0, let slot) = first else {
            Issue.record("expected a delivery, got \(String(describing: first))")
            return
        }
        #expect(loop.packetInFlight(slot).tcp.flags == .syn)
        loop.deliverInFlight(slot, to: 0)
        let second = loop.nextEvent()
        guard case .delivery(0, let copy) = second else {
            Issue.record("expected the copy's delivery, got \(String(describing: second))")
            return
        }
        #expect(loop.packetInFlight(copy).tcp.flags == .syn)
        #expect(firstAt == Instant(nanoseconds: 6_000))
        #expect(loop.now == Instant(nanoseconds: 7_000))
    }

    @Test func eventsAtTheSameInstantComeOutInTheOrderTheyWereScheduled() {
        var loop = DriveLoop(host(.linux6, [v4]))
        loop.schedule(1, at: .milliseconds(5))
        loop.schedule(2, at: .milliseconds(5))
        loop.schedule(3, at: .milliseconds(2))
        loop.schedule(4, at: .milliseconds(5))
        var order: [Int] = []
        while case .driver(let n)? = loop.nextEvent() { order.append(n) }
        #expect(order == [3, 1, 2, 4])
        #expect(loop.now == .milliseconds(5))
        #expect(loop.nextEventTime == nil)
    }

    @Test func routeSendsOwnAndLoopbackAddressesBackToTheSenderAndTheRestToTheirOwnerOrOut() {
        let loop = DriveLoop(hosts: [host(.linux6, [serverAddress]), host(.linux6, [clientAddress])])
        #expect(loop.route(from: 1, to: clientAddress) == .loopback)
        #expect(loop.route(from: 1, to: .v4(IPv4Address(127, 0, 0, 9))) == .loopback)
        #expect(loop.route(from: 1, to: serverAddress) == .host(0))
        #expect(loop.route(from: 1, to: .v4(IPv4Address(192, 0, 2, 1))) == .outbound)
        #expect(loop.route(from: nil, to: .v4(IPv4Address(127, 0, 0, 9))) == .outbound)
    }
}
