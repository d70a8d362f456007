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

/// A discrete-event network simulator. Hosts run a `SimulatedStack` each, joined by loopback devices and
/// impaired links; applications drive the stacks. Virtual time jumps from event to event, ties run in the order
/// they were scheduled, and every random draw comes from one seeded generator: the same seed gives the same run.
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

    private struct WireLink {
        var a: Int, b: Int
        var aToB: LinkChannel, bToA: LinkChannel
        var name: String
    }

    /// Small on purpose (a packet would make the heap move hundreds of bytes per swap): a packet in flight waits
    /// in `inFlight`, and its event holds the slot.
    private enum Event {
        case deliver(host: Int, packet: Int)
        case timer(host: Int)
        case start(app: Int)
        case wake(app: Int)
    }

    /// The virtual clock; it jumps from event to event.
    public private(set) var clock = VirtualClock()
    /// The current virtual time.
    public var now: Instant { clock.now }
    // One entry per host in each array (structure of arrays: the hot loop touches a stack without copying the
    // rest of its host).
    private var stacks: [Stack] = []
    private var hostNames: [String] = []
    private var hostAddresses: [[IPAddress]] = []
    private var loopbacks: [LinkChannel] = []
    /// When each host's pending timer event fires (nil: none scheduled).
    private var timers: [Instant?] = []

    /// Every host, in the order added.
    public var hosts: [Host] {
        stacks.indices.map { Host(name: hostNames[$0], addresses: hostAddresses[$0], stack: stacks[$0]) }
    }
    private var links: [WireLink] = []
    private var apps: [InstalledApp<Stack>] = []
    private var queue = EventQueue<Event>()
    /// Packets in flight, by slot. A packet delivered from the last slot moves out; one delivered from another
    /// slot is copied out and its slot becomes a hole, reused by later packets or dropped once the slots after it
    /// are gone (the last slot is never a hole). With one packet in flight at a time, as on a loopback, packets
    /// are never copied: see `transmitScratch`.
    private var inFlight: [IPPacket] = []
    private var holes: [Int] = []
    // Buffers reused by `settle`, so a quiet step allocates nothing.
    private var packetScratch: [IPPacket] = []
    private var eventScratch: [AppEvent<Stack.Socket>] = []
    /// Handed to every application call; it also collects the story.
    private var io = AppIO(now: .zero)
    /// The last wake-up delay asked for, in nanoseconds (apps ask for the same few delays again and again).
    private var wakeDelay: (delay: Duration, nanoseconds: Int64) = (.zero, 0)
    /// The one generator behind every impairment; fork it to seed the hosts' stacks.
    public var random: SeededRandom

    /// Record every packet on every interface (the taps). Off for benchmarks.
    public var recordPackets = true
    /// Record every state transition (for --explain and the diagrams).
    public var recordTransitions = true
    /// Every packet on every interface, in order (empty unless `recordPackets`).
    public private(set) var captures: [CapturedPacket] = []
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
    public private(set) var packetsSent = 0
    /// Packets a link lost.
    public private(set) var packetsDropped = 0
    /// Events handled so far.
    public private(set) var eventsRun = 0
    private var stopRequested = false

    /// An empty network whose random draws all come from `seed`: the same seed gives the same run.
    public init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    // MARK: building the network

    /// Adds a host running `stack` that owns `addresses`; packets between its own addresses cross `loopback`.
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
        apps.append(InstalledApp(app, host: host.index))
        queue.schedule(.start(app: apps.count - 1), at: time)
        return AppHandle(index: apps.count - 1)
    }

    /// The application behind `handle` as it stands now, or nil if it is not of type `A`.
    public func application<A: SimApplication<Stack>>(_ handle: AppHandle, as type: A.Type) -> A? {
        apps[handle.index].value as? A
    }

    /// The host behind `handle`, with its stack as it stands now.
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
            let step = recordSteps ? beginStep(event) : nil
            defer { if let step { endStep(step) } }
            switch event {
            case .deliver(let h, let slot):
                stacks[h].receive(takeInFlight(slot), now: time)
                settle(h)
            case .timer(let h):
                // A timer superseded by an earlier one is stale; an early advance is harmless.
                guard timers[h] == time else { continue }
                timers[h] = nil
                stacks[h].advance(now: time)
                settle(h)
            case .start(let a):
                let h = apps[a].host
                io.reset(now: time, host: h)
                apps[a].start(stack: &stacks[h], io: &io)
                finish(app: a)
                settle(h)
            case .wake(let a):
                let h = apps[a].host
                io.reset(now: time, host: h)
                apps[a].wake(stack: &stacks[h], io: &io)
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

    private mutating func beginStep(_ event: Event) -> OpenStep {
        let h: Int
        var trigger = SimStep.Trigger.application
        switch event {
        case .deliver(let host, let slot):
            h = host
            if let k = undelivered.firstIndex(where: { captures[$0].packet == inFlight[slot] }) {
                trigger = .packet(capture: undelivered.remove(at: k))
            }
        case .timer(let host):
            h = host
            trigger = .timer
        case .start(let a), .wake(let a):
            h = apps[a].host
        }
        return OpenStep(host: h, trigger: trigger, captures: captures.count, transitions: transitions.count,
            before: stacks[h].tcbSnapshots())
    }

    private mutating func endStep(_ open: OpenStep) {
        let sent = open.captures..<captures.count
        undelivered.append(contentsOf: sent)
        let changes = changedTCBs(open.before, stacks[open.host].tcbSnapshots())
        let moved = open.transitions..<transitions.count
        if changes.isEmpty && sent.isEmpty && moved.isEmpty, case .timer = open.trigger { return }
        steps.append(SimStep(time: now, host: hostNames[open.host], trigger: open.trigger, sent: sent,
            transitions: moved, changes: changes))
    }

    /// Moves everything a host's stack produced onward until it has nothing more to say.
    private mutating func settle(_ h: Int) {
        while true {
            if hasPendingPackets(h) {
                stacks[h].drainPackets(into: &packetScratch)
                if !packetScratch.isEmpty { transmitScratch(from: h) }
            }
            // Not recording, the stacks were made not to keep transitions either (StackFactory's `record`).
            if recordTransitions {
                for var change in stacks[h].drainTransitions() {
                    if change.host.isEmpty { change.host = hostNames[h] }
                    if change.time == .zero { change.time = now }
                    transitions.append(change)
                }
            }
            guard hasPendingEvents(h) else { break }
            stacks[h].drainEvents(into: &eventScratch)
            if eventScratch.isEmpty { break }
            if eventScratch.count > 1 { eventScratch.reverse() }
            while let event = eventScratch.popLast() {
                for a in apps.indices where apps[a].host == h {
                    io.reset(now: now, host: h)
                    apps[a].handle(event, stack: &stacks[h], io: &io)
                    finish(app: a)
                }
            }
        }
        if let deadline = stacks.withUnsafeBufferPointer({ $0[h].nextDeadline }) {
            let due = max(deadline, now)
            if timers[h].map({ due < $0 }) ?? true {
                timers[h] = due
                queue.schedule(.timer(host: h), at: due)
            }
        }
    }

    // A stack's flags are read in place, without a mutating access (which checks the array's uniqueness): a
    // plain read of `stacks[h]` copies the whole stack.
    private func hasPendingPackets(_ h: Int) -> Bool { stacks.withUnsafeBufferPointer { $0[h].hasPendingPackets } }
    private func hasPendingEvents(_ h: Int) -> Bool { stacks.withUnsafeBufferPointer { $0[h].hasPendingEvents } }

    /// Acts on what an application asked for during the call just made.
    private mutating func finish(app a: Int) {
        if let delay = io.wakeAfter {
            if delay != wakeDelay.delay { wakeDelay = (delay, delay.nanosecondsValue) }
            queue.schedule(.wake(app: a), at: Instant(nanoseconds: now.nanoseconds + wakeDelay.nanoseconds))
        }
        if io.stopRequested { stopRequested = true }
    }

    /// Sends what a host's stack just produced (in `packetScratch`, which it leaves empty): routes each packet
    /// and schedules its delivery, in order.
    private mutating func transmitScratch(from h: Int) {
        let n = packetScratch.count
        // Nothing in flight: the buffer becomes the in-flight store as it is (slot i holds packet i) and the
        // store's empty buffer goes back to the stack for its next packets, so no packet is moved or copied.
        let handOver = inFlight.isEmpty
        // Packets whose duplicates get the slots after the buffer's, once it is the store (nil until one is
        // duplicated: an empty array would still cost a release per call).
        var duplicated: [Int]?
        for i in 0..<n {
            let slot = handOver ? i : park(packetScratch[i])
            guard let (target, arrivals) = route(scratch: i, from: h), let first = arrivals.first else {
                holes.append(slot)
                continue
            }
            queue.schedule(.deliver(host: target, packet: slot), at: first)
            if let copyTime = arrivals.duplicate {
                let copySlot: Int
                if handOver {
                    copySlot = n + (duplicated?.count ?? 0)
                    if duplicated == nil { duplicated = [] }
                    duplicated!.append(i)
                } else {
                    copySlot = park(packetScratch[i])
                }
                queue.schedule(.deliver(host: target, packet: copySlot), at: copyTime)
            }
        }
        if handOver {
            swap(&inFlight, &packetScratch)
            if let duplicated { for i in duplicated { inFlight.append(inFlight[i]) } }
        } else {
            packetScratch.removeAll(keepingCapacity: true)
        }
        if !holes.isEmpty { trimHoles() }
    }

    /// Puts a packet in a free slot of the store: a hole, or a new slot at the end.
    private mutating func park(_ packet: IPPacket) -> Int {
        if let hole = holes.popLast() {
            inFlight[hole] = packet
            return hole
        }
        inFlight.append(packet)
        return inFlight.count - 1
    }

    /// Where packet i of `packetScratch` goes: the receiving host and when its copies arrive (none: lost), or
    /// nil when no host owns the address. The taps record it here.
    private mutating func route(scratch i: Int, from h: Int) -> (target: Int, arrivals: Arrivals)? {
        packetsSent += 1
        let destination = packetScratch[i].ip.destination
        let target: Int
        let arrivals: Arrivals
        // The rule every driver shares (DriveLoop): the host's own addresses and 127/8, ::1 stay on the host; here
        // they cross its loopback device, with that device's delay.
        if DriveLoop.staysOnHost(destination, addresses: hostAddresses[h]) {
            target = h
            if recordPackets { captures.append(CapturedPacket(time: now, interface: "lo", packet: packetScratch[i])) }
            let bytes = loopbacks[h].usesLength ? packetScratch[i].simulatedLength : 0
            arrivals = loopbacks[h].transmit(bytes: bytes, now: now, random: &random)
        } else if let t = hostAddresses.firstIndex(where: { $0.contains(destination) }),
            let l = links.firstIndex(where: { ($0.a == h && $0.b == t) || ($0.a == t && $0.b == h) })
        {
            target = t
            if recordPackets {
                captures.append(CapturedPacket(time: now, interface: links[l].name, packet: packetScratch[i]))
            }
            let bytes = packetScratch[i].simulatedLength
            if links[l].a == h {
                arrivals = links[l].aToB.transmit(bytes: bytes, now: now, random: &random)
            } else {
                arrivals = links[l].bToA.transmit(bytes: bytes, now: now, random: &random)
            }
        } else {
            packetsDropped += 1  // no route to host
            return nil
        }
        if arrivals.first == nil { packetsDropped += 1 }
        return (target, arrivals)
    }

    private mutating func takeInFlight(_ slot: Int) -> IPPacket {
        guard slot == inFlight.count - 1 else {
            holes.append(slot)
            return inFlight[slot]
        }
        let packet = inFlight.removeLast()
        if !holes.isEmpty { trimHoles() }
        return packet
    }

    /// Drops holes at the end of the store, so that it shrinks back as packets arrive.
    private mutating func trimHoles() {
        while let k = holes.firstIndex(of: inFlight.count - 1) {
            holes.swapAt(k, holes.count - 1)
            holes.removeLast()
            inFlight.removeLast()
        }
    }
}
