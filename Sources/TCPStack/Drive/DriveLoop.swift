import TCPWire

/// The one loop that drives hosts, with no I/O: packets and time go in, a packet addressed to a host of the loop
/// goes to that host (a host's packets to its own addresses loop back to it), and what is left waits in
/// ``outbound`` for the driver to carry (a TUN device, a script, a lossy link).
///
/// Every driver in the project runs its hosts through one: the packetdrill runner and plugin, the TUN driver,
/// the RFC 5961 blind-attack run, the benchmarks, the tests, and the simulator. It has two halves over the same
/// hosts and the same routing rule (``route(from:to:)``):
/// - **At once.** A driver calls the socket API in place (`loop.hosts[i].connect(...)`), then ``flush()``:
///   packets move first-in first-out across all hosts, each delivered at ``now``. It moves time with
///   ``advance(to:through:)`` or ``runTimers(until:maxSteps:through:afterEach:)``, and asks ``nextDeadline`` when
///   to come back.
/// - **Timed** (DriveLoop+Timed.swift). Deliveries, timers and the driver's own events wait in one queue of
///   instants, ties in the order scheduled; a ``DeliveryPolicy`` says when each packet arrives (a link's delay,
///   loss, duplication). The simulator runs on it: the same seed gives the same run, byte for byte.
///
/// Generic over the host (``DrivenHost``) so that the simulator's stacks drive the same way as `HostStack`; every
/// member is inlinable, so each driver runs code specialized for its host type.
///
/// ```swift
/// var loop = DriveLoop(HostStack(addresses: [.v4(.loopback)], configuration: .linux6, seed: 1))
/// let s = loop.hosts[0].socket()
/// try loop.hosts[0].bind(s, to: Endpoint(.v4(.loopback), 40000))
/// try loop.hosts[0].connect(s, to: Endpoint(.v4(.loopback), 40000), now: loop.now)
/// loop.flush()   // S, S., . loop back: the socket is ESTABLISHED, connected to itself
/// ```
public struct DriveLoop<Host: DrivenHost> {
    /// The hosts, in the order given. Call their socket API in place, then ``flush()``; add hosts with ``add(_:)``
    /// (or append them, and the next flush or send learns their addresses).
    public var hosts: [Host]
    /// Each host's addresses, read once: a read of `hosts[i]` in generic code copies the whole host.
    @usableFromInline var addressBook: [[IPAddress]] = []
    /// The time every delivery and timer uses. The driver may set it (a real clock, a script's next line);
    /// ``advance(to:through:)``, ``runTimers(until:maxSteps:through:afterEach:)`` and ``nextEvent()`` move it
    /// forward.
    public var now: Instant
    /// Deadlines are rounded up to a multiple of this many nanoseconds (1000 for a driver whose clock counts
    /// microseconds, so that the timer has fired when that clock gets there).
    public let tickNanoseconds: Int64
    /// Whether ``flush()`` moves the hosts' events into ``events``.
    public let collectsEvents: Bool
    /// At most this many packets are carried per flush; the rest wait for the next one (bounds a loop that never
    /// goes quiet, such as an ACK war).
    public var maxPacketsPerFlush = 1_000_000
    /// Packets to addresses no host of the loop owns, in the order sent: the driver's to carry away.
    public var outbound: [IPPacket] = []
    /// The hosts' events, in the order they were drained (when ``collectsEvents``).
    public var events: [Host.Event] = []
    /// Packets between hosts of the loop not yet delivered, from `head` on.
    @usableFromInline var queue: [IPPacket] = []
    @usableFromInline var head = 0

    // The timed half (DriveLoop+Timed.swift).
    /// Deliveries, timers and the driver's events, by instant.
    @usableFromInline var timed = EventQueue<DriveEvent>()
    /// Packets in flight, by slot (see `transmitScratch`).
    @usableFromInline var inFlight: [IPPacket] = []
    /// Free slots of `inFlight` (never the last one).
    @usableFromInline var holes: [Int] = []
    /// The packets of the host being sent from; reused, so a quiet step allocates nothing.
    @usableFromInline var sendScratch: [IPPacket] = []
    /// When each host's pending timer event fires (nil: none scheduled).
    @usableFromInline var timers: [Instant?] = []

    /// A loop over `hosts` at time `now`.
    /// - Parameters:
    ///   - hosts: the hosts to drive; a packet to an address one of them owns is delivered to it.
    ///   - now: the starting time.
    ///   - tick: deadlines are rounded up to a multiple of it (`.microseconds(1)` for a microsecond clock).
    ///   - collectsEvents: whether events are gathered into ``events`` (else they stay in the hosts).
    @inlinable
    public init(
        hosts: [Host], now: Instant = .zero, tick: Duration = .nanoseconds(1), collectsEvents: Bool = true
    ) {
        self.hosts = hosts
        self.now = now
        tickNanoseconds = max(1, tick.nanosecondsValue)
        self.collectsEvents = collectsEvents
        timers = Array(repeating: nil, count: hosts.count)
        addressBook = hosts.map(\.addresses)
    }

    /// A loop over one host (its packets to its own addresses loop back; the rest are ``outbound``).
    @inlinable
    public init(
        _ host: Host, now: Instant = .zero, tick: Duration = .nanoseconds(1), collectsEvents: Bool = true
    ) {
        self.init(hosts: [host], now: now, tick: tick, collectsEvents: collectsEvents)
    }

    /// Adds a host; returns its index in ``hosts``.
    @inlinable
    public mutating func add(_ host: Host) -> Int {
        hosts.append(host)
        syncAddresses()
        return hosts.count - 1
    }

    /// Catches up ``addressBook`` and `timers` with hosts appended to ``hosts`` directly.
    @inlinable @inline(__always)
    mutating func syncAddresses() {
        guard addressBook.count != hosts.count else { return }
        syncAddressesSlowly()
    }

    @inlinable @inline(never)
    mutating func syncAddressesSlowly() {
        while addressBook.count < hosts.count { addressBook.append(hosts[addressBook.count].addresses) }
        while timers.count < hosts.count { timers.append(nil) }
    }

    // MARK: routing

    /// Whether a packet a host sends to `destination` stays on that host: one of `addresses`, or the loopback
    /// network (127.0.0.0/8, ::1), which never leaves the host that sends to it.
    @inlinable @inline(__always)
    public static func staysOnHost(_ destination: IPAddress, addresses: [IPAddress]) -> Bool {
        destination.isLoopbackNetwork || addresses.contains(destination)
    }

    /// Where a packet host `sender` sends to `destination` goes: back to the sender when the destination stays on
    /// it (``staysOnHost(_:addresses:)``: its own address, 127/8 or ::1); else to the first host that owns the
    /// destination; else ``PacketRoute/outbound``. The one place a host's own packets are looped back, for both
    /// halves of the loop (``flush()`` first gives the packet to a host that owns its destination, so that tests may
    /// hold several hosts on 127.0.0.x addresses).
    @inlinable @inline(__always)
    public func route(from sender: Int?, to destination: IPAddress) -> PacketRoute {
        if let s = sender,
            Self.staysOnHost(destination, addresses: s < addressBook.count ? addressBook[s] : hosts[s].addresses)
        {
            return .loopback
        }
        if let d = host(owning: destination) { return .host(d) }
        return .outbound
    }

    /// The host of the loop `packet` goes to in ``flush()``: the first host that owns its destination, else
    /// ``route(from:to:)`` from its sender (found by its source address); nil when it is ``outbound``.
    @inlinable
    public func owner(of packet: IPPacket) -> Int? {
        owner(from: packet.source.address, to: packet.destination.address)
    }

    @inlinable @inline(__always)
    func owner(from source: IPAddress, to destination: IPAddress) -> Int? {
        if let d = host(owning: destination) { return d }  // the common case: one scan
        let s = host(owning: source)
        return route(from: s, to: destination) == .outbound ? nil : s
    }

    /// The first host that owns `address` (of those whose addresses the loop has read: ``add(_:)``, ``flush()``).
    @inlinable @inline(__always)
    func host(owning address: IPAddress) -> Int? {
        var i = 0
        while i < addressBook.count {
            if addressBook[i].contains(address) { return i }
            i += 1
        }
        return nil
    }

    /// Runs `body` on host `i` where it lives, for reads on a hot path: a plain read of `hosts[i]` copies the
    /// whole host (every buffer retained, then released) before a method of another module can see it; an
    /// exclusive access does not.
    @inlinable
    public mutating func withHost<R, E: Error>(_ i: Int, _ body: (inout Host) throws(E) -> R) throws(E) -> R {
        try body(&hosts[i])
    }

    // MARK: packets

    /// Hands `packet` from outside (a device, a link, a script) to the host that owns its destination, at
    /// ``now``; what the host answers waits for ``flush()``. A packet no host owns is dropped, as a host drops
    /// what is not addressed to it.
    @inlinable
    public mutating func deliver(_ packet: IPPacket) {
        syncAddresses()
        if let owner = host(owning: packet.destination.address) { hosts[owner].receive(packet, now: now) }
    }

    /// Moves packets until no host has any left: each goes to the host ``route(from:to:)`` names, else to
    /// ``outbound``; events are gathered into ``events``.
    @inlinable
    public mutating func flush() {
        carryAll({ _ in true }, calls: false)
    }

    /// ``flush()`` with `carry` between the sender and the receiver: it sees each packet in order, may replace
    /// it (e.g. with the packet parsed back from its bytes), and returns false to lose it.
    @inlinable
    public mutating func flush(through carry: (inout IPPacket) -> Bool) {
        carryAll(carry, calls: true)
    }

    /// The loop behind both flushes, inlined into each so that the one without a carrier (`calls` false) makes
    /// no call per packet.
    @inlinable @inline(__always)
    mutating func carryAll(_ carry: (inout IPPacket) -> Bool, calls: Bool) {
        syncAddresses()
        for h in hosts.indices { collect(h) }
        var carried = 0
        while head < queue.count && carried < maxPacketsPerFlush {
            // Carried in place: a copy of the packet would retain each of its buffers.
            let i = head
            head += 1
            carried += 1
            if calls && !carry(&queue[i]) { continue }
            guard let to = owner(from: queue[i].source.address, to: queue[i].destination.address) else {
                outbound.append(queue[i])
                continue
            }
            hosts[to].receive(queue[i], now: now)
            collect(to)
        }
        if head > 0 && head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// Takes what host `h` produced: packets into the queue, events into ``events``.
    @inlinable
    mutating func collect(_ h: Int) {
        if hosts[h].hasPendingPackets {
            if head > 0 && head == queue.count {
                // All carried: the host's packets take the queue's place by a swap of buffers, not copied.
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            hosts[h].drainPackets(into: &queue)
        }
        if collectsEvents && hosts[h].hasPendingEvents { hosts[h].drainEvents(into: &self.events) }
    }

    /// Returns ``outbound`` and empties it.
    @inlinable
    public mutating func takeOutbound() -> [IPPacket] {
        defer { outbound.removeAll(keepingCapacity: true) }
        return outbound
    }

    /// Returns ``events`` and empties it.
    @inlinable
    public mutating func takeEvents() -> [Host.Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    // MARK: time

    /// When a timer of some host is next due, rounded up to the tick and never before ``now``; nil when no timer
    /// runs.
    @inlinable
    public var nextDeadline: Instant? {
        var best: Instant?
        for h in hosts.indices {
            if let d = hosts[h].nextDeadline, best.map({ d < $0 }) ?? true { best = d }
        }
        guard let due = best else { return nil }
        let t = tickNanoseconds
        let rounded = t == 1 ? due.nanoseconds : (due.nanoseconds + t - 1) / t * t
        return Instant(nanoseconds: max(now.nanoseconds, rounded))
    }

    /// Moves ``now`` to `time` (never back), runs every host's timers due by then (RFC 9293 §3.10.8), and flushes
    /// (through `carry`, as ``flush(through:)``).
    @inlinable
    public mutating func advance(to time: Instant, through carry: (inout IPPacket) -> Bool = { _ in true }) {
        if time > now { now = time }
        for h in hosts.indices { hosts[h].advance(to: now) }
        flush(through: carry)
    }

    /// Steps from deadline to deadline while one falls by `end` (at most `maxSteps` steps), each an
    /// ``advance(to:through:)`` followed by `afterEach`; ``now`` is left at the last deadline reached, not at
    /// `end`. Returns the steps taken.
    @inlinable
    @discardableResult
    public mutating func runTimers(
        until end: Instant, maxSteps: Int = 100_000, through carry: (inout IPPacket) -> Bool = { _ in true },
        afterEach: (inout Self) -> Void = { _ in }
    ) -> Int {
        var steps = 0
        while steps < maxSteps, let due = nextDeadline, due <= end {
            steps += 1
            advance(to: due, through: carry)
            afterEach(&self)
        }
        return steps
    }
}

extension DriveLoop: Sendable where Host: Sendable, Host.Event: Sendable {}

extension IPAddress {
    /// 127.0.0.0/8 or ::1: addresses a host delivers to itself on its loopback device.
    @inlinable @inline(__always)
    public var isLoopbackNetwork: Bool {
        switch self {
        case .v4(let a): a.rawValue >> 24 == 127
        case .v6(let a): a == .loopback
        }
    }
}
