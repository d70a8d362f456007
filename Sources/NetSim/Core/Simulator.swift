import TCPStack
import TCPWire

/// A line an application printed, with when and where.
public struct StoryLine: Hashable, Sendable {
    public var time: Instant
    public var host: String
    public var text: String
}

/// Why `run` returned.
public enum RunOutcome: Hashable, Sendable {
    /// Nothing left to happen.
    case quiescent
    /// An application called `stopSimulation()`.
    case stopped
    /// The time or event budget ran out first.
    case limitReached
}

/// A discrete-event network simulator. Hosts run a `SimulatedStack` each, joined by loopback devices and
/// impaired links; applications drive the stacks. Virtual time jumps from event to event, ties run in the order
/// they were scheduled, and every random draw comes from one seeded generator: the same seed gives the same run.
public struct Simulator<Stack: SimulatedStack> {
    public struct HostHandle: Hashable, Sendable { public let index: Int }
    public struct AppHandle: Hashable, Sendable { public let index: Int }

    /// A host as seen from outside: its name, addresses and stack.
    public struct Host {
        public let name: String
        public let addresses: [IPAddress]
        public let stack: Stack
    }

    private struct WireLink {
        var a: Int, b: Int
        var aToB: LinkChannel, bToA: LinkChannel
        var name: String
    }

    /// Small on purpose: packets in flight wait in `inFlight`, and the heap moves only their index.
    private enum Event {
        case deliver(host: Int, packet: Int)
        case timer(host: Int)
        case start(app: Int)
        case wake(app: Int)
    }

    public private(set) var clock = VirtualClock()
    public var now: Instant { clock.now }
    // One entry per host in each array (structure of arrays: the hot loop touches a stack without copying the
    // rest of its host).
    private var stacks: [Stack] = []
    private var hostNames: [String] = []
    private var hostAddresses: [[IPAddress]] = []
    private var loopbacks: [LinkChannel] = []
    /// When each host's pending timer event fires (nil: none scheduled).
    private var timers: [Instant?] = []

    public var hosts: [Host] {
        stacks.indices.map { Host(name: hostNames[$0], addresses: hostAddresses[$0], stack: stacks[$0]) }
    }
    private var links: [WireLink] = []
    private var apps: [any SimApplication<Stack>] = []
    private var appHosts: [Int] = []
    private var queue = EventQueue<Event>()
    private var inFlight: [IPPacket?] = []
    private var freeFlightSlots: [Int] = []
    // Buffers reused by `settle`, so a quiet step allocates nothing.
    private var packetScratch: [IPPacket] = []
    private var eventScratch: [AppEvent<Stack.Socket>] = []
    private var io = AppIO(now: .zero)
    /// The one generator behind every impairment; fork it to seed the hosts' stacks.
    public var random: SeededRandom

    /// Record every packet on every interface (the taps). Off for benchmarks.
    public var recordPackets = true
    /// Record every state transition (for --explain and the diagrams).
    public var recordTransitions = true
    public private(set) var captures: [CapturedPacket] = []
    public private(set) var transitions: [TransitionRecord] = []
    public private(set) var story: [StoryLine] = []
    public private(set) var packetsSent = 0
    public private(set) var packetsDropped = 0
    public private(set) var eventsRun = 0
    private var stopRequested = false

    public init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    // MARK: building the network

    public mutating func addHost(
        name: String, addresses: [IPAddress], stack: Stack, loopback: LinkImpairments = .loopback
    ) -> HostHandle {
        stacks.append(stack)
        hostNames.append(name)
        hostAddresses.append(addresses)
        loopbacks.append(LinkChannel(loopback))
        timers.append(nil)
        return HostHandle(index: stacks.count - 1)
    }

    /// Joins two hosts with a link; both directions get the same impairments.
    public mutating func link(_ a: HostHandle, _ b: HostHandle, impairments: LinkImpairments, name: String = "eth0") {
        links.append(WireLink(
            a: a.index, b: b.index, aToB: LinkChannel(impairments), bToA: LinkChannel(impairments), name: name))
    }

    /// Starts `app` on `host` at virtual time `at`.
    @discardableResult
    public mutating func install(
        _ app: some SimApplication<Stack>, on host: HostHandle, at time: Instant = .zero
    ) -> AppHandle {
        apps.append(app)
        appHosts.append(host.index)
        queue.schedule(.start(app: apps.count - 1), at: time)
        return AppHandle(index: apps.count - 1)
    }

    public func application<A: SimApplication<Stack>>(_ handle: AppHandle, as type: A.Type) -> A? {
        apps[handle.index] as? A
    }

    public func host(_ handle: HostHandle) -> Host {
        Host(name: hostNames[handle.index], addresses: hostAddresses[handle.index], stack: stacks[handle.index])
    }

    // MARK: running

    /// Runs events until nothing is left, an application stops the run, or a budget runs out.
    /// A stopped or limited run can be resumed by calling `run` again.
    public mutating func run(until limit: Instant? = nil, maxEvents: Int = 50_000_000) -> RunOutcome {
        var budget = maxEvents
        stopRequested = false
        while !stopRequested {
            guard let next = queue.nextTime else { return .quiescent }
            if let limit, next > limit { return .limitReached }
            guard budget > 0 else { return .limitReached }
            budget -= 1
            let (time, event) = queue.popNext()!
            clock.jump(to: time)
            eventsRun += 1
            switch event {
            case .deliver(let h, let slot):
                let packet = inFlight[slot]!
                inFlight[slot] = nil
                freeFlightSlots.append(slot)
                stacks[h].receive(packet, now: time)
                settle(h)
            case .timer(let h):
                // A timer superseded by an earlier one is stale; an early advance is harmless.
                guard timers[h] == time else { continue }
                timers[h] = nil
                stacks[h].advance(now: time)
                settle(h)
            case .start(let a):
                let h = appHosts[a]
                io.reset(now: time)
                apps[a].start(stack: &stacks[h], io: &io)
                finish(app: a, host: h)
                settle(h)
            case .wake(let a):
                let h = appHosts[a]
                io.reset(now: time)
                apps[a].wake(stack: &stacks[h], io: &io)
                finish(app: a, host: h)
                settle(h)
            }
        }
        return .stopped
    }

    /// Moves everything a host's stack produced onward until it has nothing more to say.
    private mutating func settle(_ h: Int) {
        while true {
            var packets = packetScratch
            packetScratch = []
            stacks[h].drainPackets(into: &packets)
            for packet in packets { transmit(packet, from: h) }
            packets.removeAll(keepingCapacity: true)
            packetScratch = packets
            let changes = stacks[h].drainTransitions()
            if recordTransitions {
                for var change in changes {
                    if change.host.isEmpty { change.host = hostNames[h] }
                    if change.time == .zero { change.time = now }
                    transitions.append(change)
                }
            }
            var events = eventScratch
            eventScratch = []
            stacks[h].drainEvents(into: &events)
            if events.isEmpty {
                eventScratch = events
                break
            }
            for event in events {
                for a in appHosts.indices where appHosts[a] == h {
                    io.reset(now: now)
                    apps[a].handle(event, stack: &stacks[h], io: &io)
                    finish(app: a, host: h)
                }
            }
            events.removeAll(keepingCapacity: true)
            eventScratch = events
        }
        if let deadline = Self.deadline(&stacks[h]) {
            let due = max(deadline, now)
            if timers[h].map({ due < $0 }) ?? true {
                timers[h] = due
                queue.schedule(.timer(host: h), at: due)
            }
        }
    }

    /// Reads the deadline through an inout access: a plain read of `stacks[h]` copies the whole stack.
    private static func deadline(_ stack: inout Stack) -> Instant? { stack.nextDeadline }

    private mutating func finish(app a: Int, host h: Int) {
        for line in io.lines { story.append(StoryLine(time: now, host: hostNames[h], text: line)) }
        if let delay = io.wakeAfter { queue.schedule(.wake(app: a), at: now + delay) }
        if io.stopRequested { stopRequested = true }
    }

    /// Routes a packet: to the sender's own loopback device, or over the link to the host that owns the address.
    private mutating func transmit(_ packet: IPPacket, from h: Int) {
        packetsSent += 1
        let destination = packet.ip.destination
        let arrivals: Arrivals
        let target: Int
        if destination.isLoopback || hostAddresses[h].contains(destination) {
            target = h
            if recordPackets { captures.append(CapturedPacket(time: now, interface: "lo", packet: packet)) }
            arrivals = loopbacks[h].transmit(bytes: packet.simulatedLength, now: now, random: &random)
        } else if let t = hostAddresses.firstIndex(where: { $0.contains(destination) }),
            let l = links.firstIndex(where: { ($0.a == h && $0.b == t) || ($0.a == t && $0.b == h) })
        {
            target = t
            if recordPackets { captures.append(CapturedPacket(time: now, interface: links[l].name, packet: packet)) }
            let bytes = packet.simulatedLength
            if links[l].a == h {
                arrivals = links[l].aToB.transmit(bytes: bytes, now: now, random: &random)
            } else {
                arrivals = links[l].bToA.transmit(bytes: bytes, now: now, random: &random)
            }
        } else {
            packetsDropped += 1  // no route to host
            return
        }
        if let first = arrivals.first {
            queue.schedule(.deliver(host: target, packet: hold(packet)), at: first)
        } else {
            packetsDropped += 1
        }
        if let copy = arrivals.duplicate { queue.schedule(.deliver(host: target, packet: hold(packet)), at: copy) }
    }

    /// Parks a packet until its delivery event runs.
    private mutating func hold(_ packet: IPPacket) -> Int {
        if let slot = freeFlightSlots.popLast() {
            inFlight[slot] = packet
            return slot
        }
        inFlight.append(packet)
        return inFlight.count - 1
    }
}
