import TCPStack
import TCPWire

/// A line an application printed, with when and where.
public struct StoryLine: Hashable, Sendable {
    /// When the line was printed, in virtual time.
    public var time: Instant
    /// The name of the host whose application printed it.
    public var host: String
    /// The line, without its newline.
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

/// A discrete-event network simulator, on the timed half of TCPStack's `DriveLoop`. Hosts run a `SimulatedStack`
/// each, joined by loopback devices and impaired links; applications drive the stacks. The loop holds the hosts,
/// the packets in flight and one queue of deliveries, timers and application starts and wake-ups: virtual time
/// jumps from event to event, and ties run in the order they were scheduled. The simulator supplies what lies
/// between the hosts (links, taps) and above them (applications, the story, the records); every random draw comes
/// from one seeded generator, so the same seed gives the same run.
public struct Simulator<Stack: SimulatedStack> {
    /// Names a host added with `addHost`; `index` is its position in `hosts`.
    public struct HostHandle: Hashable, Sendable { public let index: Int }
    /// Names an application installed with `install`.
    public struct AppHandle: Hashable, Sendable { public let index: Int }

    /// A host as seen from outside: its name, addresses and stack.
    public struct Host {
        /// The host's name in the story and captures, e.g. `localhost`.
        public let name: String
        /// The addresses the host owns; packets to them are delivered on its loopback.
        public let addresses: [IPAddress]
        /// The host's TCP stack, as it stands now.
        public let stack: Stack
    }

    /// The loop that drives the hosts: deliveries, timers, and the applications' events (`.driver(n)`: app
    /// `n >> 1` starts when bit 0 is clear, wakes when it is set).
    private var loop = DriveLoop<SimHost<Stack>>(hosts: [])
    /// The loopback devices, links and taps.
    private var network: SimNetwork

    /// The virtual clock; it jumps from event to event.
    public var clock: VirtualClock { VirtualClock(start: loop.now) }
    /// The current virtual time.
    public var now: Instant { loop.now }
    private var hostNames: [String] = []

    /// Every host, in the order added.
    public var hosts: [Host] {
        loop.hosts.indices.map {
            Host(name: hostNames[$0], addresses: loop.hosts[$0].addresses, stack: loop.hosts[$0].stack)
        }
    }
    private var apps: [InstalledApp<Stack>] = []
    // Reused by `settle`, so a quiet step allocates nothing.
    private var eventScratch: [AppEvent<Stack.Socket>] = []
    /// Handed to every application call; it also collects the story.
    private var io = AppIO(now: .zero)
    /// The last wake-up delay asked for, in nanoseconds (apps ask for the same few delays again and again).
    private var wakeDelay: (delay: Duration, nanoseconds: Int64) = (.zero, 0)
    /// The one generator behind every impairment; fork it to seed the hosts' stacks.
    public var random: SeededRandom {
        get { network.random }
        set { network.random = newValue }
    }

    /// Record every packet on every interface (the taps). Off for benchmarks.
    public var recordPackets: Bool {
        get { network.recordPackets }
        set { network.recordPackets = newValue }
    }
    /// Record every state transition (for --explain and the diagrams).
    public var recordTransitions = true
    /// Every packet on every interface, in order (empty unless `recordPackets`).
    public var captures: [CapturedPacket] { network.captures }
    /// Every state transition of every stack, stamped with host and time (empty unless `recordTransitions`).
    public private(set) var transitions: [TransitionRecord] = []
    /// Record every event as a `SimStep` with TCB snapshots (for the explainer page; needs `recordPackets`).
    public var recordSteps = false
    /// The steps recorded so far (empty unless `recordSteps`).
    public private(set) var steps: [SimStep] = []
    /// Captures sent but not yet delivered (when recording steps), to name the packet each delivery hands over.
    private var undelivered: [Int] = []
    /// Every line the applications printed, in order.
    public var story: [StoryLine] {
        io.story.map { StoryLine(time: $0.time, host: hostNames[$0.host], text: io.texts[$0.line]) }
    }
    /// The story with hosts by index, and the names of the hosts.
    var storyEntries: [StoryEntry] { io.story }
    var storyTexts: [String] { io.texts }
    var names: [String] { hostNames }
    /// Packets handed to an interface, lost ones included.
    public var packetsSent: Int { network.packetsSent }
    /// Packets a link lost.
    public var packetsDropped: Int { network.packetsDropped }
    /// Events handled so far.
    public private(set) var eventsRun = 0
    private var stopRequested = false

    /// An empty network whose random draws all come from `seed`: the same seed gives the same run.
    public init(seed: UInt64) {
        network = SimNetwork(random: SeededRandom(seed: seed))
    }

    // MARK: building the network

    /// Adds a host running `stack` that owns `addresses`; packets between its own addresses cross `loopback`.
    public mutating func addHost(
        name: String, addresses: [IPAddress], stack: Stack, loopback: LinkImpairments = .loopback
    ) -> HostHandle {
        let index = loop.add(SimHost(stack: stack, addresses: addresses))
        hostNames.append(name)
        network.loopbacks.append(LinkChannel(loopback))
        return HostHandle(index: index)
    }

    /// Joins two hosts with a link; both directions get the same impairments.
    public mutating func link(_ a: HostHandle, _ b: HostHandle, impairments: LinkImpairments, name: String = "eth0") {
        network.links.append(SimNetwork.WireLink(
            a: a.index, b: b.index, aToB: LinkChannel(impairments), bToA: LinkChannel(impairments), name: name))
    }

    /// Starts `app` on `host` at virtual time `at`.
    @discardableResult
    public mutating func install(
        _ app: some SimApplication<Stack>, on host: HostHandle, at time: Instant = .zero
    ) -> AppHandle {
        apps.append(InstalledApp(app, host: host.index))
        loop.schedule((apps.count - 1) << 1, at: time)
        return AppHandle(index: apps.count - 1)
    }

    /// The application behind `handle` as it stands now, or nil if it is not of type `A`.
    public func application<A: SimApplication<Stack>>(_ handle: AppHandle, as type: A.Type) -> A? {
        apps[handle.index].value as? A
    }

    /// The host behind `handle`, with its stack as it stands now.
    public func host(_ handle: HostHandle) -> Host {
        Host(name: hostNames[handle.index], addresses: loop.hosts[handle.index].addresses,
            stack: loop.hosts[handle.index].stack)
    }

    // MARK: running

    /// Runs events until nothing is left, an application stops the run, or a budget runs out.
    /// A stopped or limited run can be resumed by calling `run` again.
    public mutating func run(until limit: Instant? = nil, maxEvents: Int = 50_000_000) -> RunOutcome {
        var budget = maxEvents
        stopRequested = false
        while !stopRequested {
            guard let next = loop.nextEventTime else { return .quiescent }
            if let limit, next > limit { return .limitReached }
            guard budget > 0 else { return .limitReached }
            budget -= 1
            let event = loop.nextEvent()!
            eventsRun += 1
            let step = recordSteps ? beginStep(event) : nil
            defer { if let step { endStep(step) } }
            switch event {
            case .delivery(let h, let slot):
                loop.deliverInFlight(slot, to: h)
                settle(h)
            case .timer(let h):
                // A timer superseded by an earlier one is stale; an early advance is harmless.
                guard loop.runTimer(of: h) else { continue }
                settle(h)
            case .driver(let n):
                let a = n >> 1
                let h = apps[a].host
                io.reset(now: now, host: h)
                if n & 1 == 0 {
                    apps[a].start(stack: &loop.hosts[h].stack, io: &io)
                } else {
                    apps[a].wake(stack: &loop.hosts[h].stack, io: &io)
                }
                finish(app: a)
                settle(h)
            }
        }
        return .stopped
    }

    private struct OpenStep {
        var host: Int
        var trigger: SimStep.Trigger
        var captures: Int
        var transitions: Int
        var before: [TCBSnapshot]
    }

    private mutating func beginStep(_ event: DriveEvent) -> OpenStep {
        let h: Int
        var trigger = SimStep.Trigger.application
        switch event {
        case .delivery(let host, let slot):
            h = host
            let packet = loop.packetInFlight(slot)
            if let k = undelivered.firstIndex(where: { network.captures[$0].packet == packet }) {
                trigger = .packet(capture: undelivered.remove(at: k))
            }
        case .timer(let host):
            h = host
            trigger = .timer
        case .driver(let n):
            h = apps[n >> 1].host
        }
        return OpenStep(host: h, trigger: trigger, captures: network.captures.count,
            transitions: transitions.count, before: loop.hosts[h].stack.tcbSnapshots())
    }

    private mutating func endStep(_ open: OpenStep) {
        let sent = open.captures..<network.captures.count
        undelivered.append(contentsOf: sent)
        let changes = changedTCBs(open.before, loop.hosts[open.host].stack.tcbSnapshots())
        let moved = open.transitions..<transitions.count
        if changes.isEmpty && sent.isEmpty && moved.isEmpty, case .timer = open.trigger { return }
        steps.append(SimStep(time: now, host: hostNames[open.host], trigger: open.trigger, sent: sent,
            transitions: moved, changes: changes))
    }

    /// Moves everything a host's stack produced onward until it has nothing more to say, then schedules its
    /// timer.
    private mutating func settle(_ h: Int) {
        while true {
            loop.send(from: h, through: &network)
            // Not recording, the stacks were made not to keep transitions either (StackFactory's `record`).
            if recordTransitions {
                for var change in loop.hosts[h].stack.drainTransitions() {
                    if change.host.isEmpty { change.host = hostNames[h] }
                    if change.time == .zero { change.time = now }
                    transitions.append(change)
                }
            }
            guard hasPendingEvents(h) else { break }
            loop.hosts[h].drainEvents(into: &eventScratch)
            if eventScratch.isEmpty { break }
            if eventScratch.count > 1 { eventScratch.reverse() }
            while let event = eventScratch.popLast() {
                for a in apps.indices where apps[a].host == h {
                    io.reset(now: now, host: h)
                    apps[a].handle(event, stack: &loop.hosts[h].stack, io: &io)
                    finish(app: a)
                }
            }
        }
        loop.scheduleTimer(of: h)
    }

    // A stack's flags are read in place, without a mutating access (which checks the array's uniqueness): a
    // plain read of `hosts[h]` copies the whole stack.
    private func hasPendingEvents(_ h: Int) -> Bool {
        loop.hosts.withUnsafeBufferPointer { $0[h].hasPendingEvents }
    }

    /// Acts on what an application asked for during the call just made.
    private mutating func finish(app a: Int) {
        if let delay = io.wakeAfter {
            if delay != wakeDelay.delay { wakeDelay = (delay, delay.nanosecondsValue) }
            loop.schedule(a << 1 | 1, at: Instant(nanoseconds: now.nanoseconds + wakeDelay.nanoseconds))
        }
        if io.stopRequested { stopRequested = true }
    }
}
