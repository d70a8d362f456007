import TCPWire

/// One event of ``DriveLoop``'s timed half.
public enum DriveEvent: Hashable, Sendable {
    /// The packet in flight in `slot` reaches `host` (``DriveLoop/deliverInFlight(_:to:)``).
    case delivery(host: Int, slot: Int)
    /// Host `host`'s timer may be due (``DriveLoop/runTimer(of:)``).
    case timer(host: Int)
    /// An event the driver scheduled with ``DriveLoop/schedule(_:at:)``, by the number it gave.
    case driver(Int)
}

/// Where a packet a host of a ``DriveLoop`` sent goes (``DriveLoop/route(from:to:)``).
public enum PacketRoute: Hashable, Sendable {
    /// Back to the host that sent it: its own address, 127/8 or ::1.
    case loopback
    /// To another host of the loop, by index.
    case host(Int)
    /// To no host of the loop.
    case outbound
}

/// When the copies of one transmitted packet arrive: none (lost), one, or two (duplicated).
public struct Arrivals: Hashable, Sendable {
    /// When the packet arrives, or nil if it was lost.
    public var first: Instant?
    /// When its duplicate arrives, if it was duplicated.
    public var duplicate: Instant?

    /// Copies arriving at `first` (nil: lost) and, if duplicated, at `duplicate`.
    @inlinable
    public init(first: Instant? = nil, duplicate: Instant? = nil) {
        self.first = first
        self.duplicate = duplicate
    }
}

/// What lies between the hosts of a timed ``DriveLoop``: it sees every packet a host sends, in order, and says
/// when its copies arrive. The simulator's links (delay, rate, loss, duplication, reordering) and its taps.
public protocol DeliveryPolicy {
    /// Carries `packet`, sent by host `sender` at `now` along `route`, and says when its copies arrive (none: lost;
    /// a packet routed ``PacketRoute/outbound`` is lost whatever the answer). The packet is handed over in place
    /// (a copy would retain each of its buffers); what the policy leaves in it is what arrives.
    mutating func carry(_ packet: inout IPPacket, from sender: Int, route: PacketRoute, now: Instant) -> Arrivals
}

// The timed half: one queue of instants for deliveries, timers and the driver's own events, ties in the order
// scheduled. A driver loops on `nextEvent()`, acts on the event, then calls `send(from:through:)` and
// `scheduleTimer(of:)` for the host it touched.
extension DriveLoop {
    /// When the next timed event is due, or nil when none waits.
    @inlinable
    public var nextEventTime: Instant? { timed.nextTime }

    /// Removes the next timed event (the first scheduled among those at the earliest instant) and moves ``now``
    /// to its instant; nil when none waits.
    @inlinable
    public mutating func nextEvent() -> DriveEvent? {
        guard let (time, event) = timed.popNext() else { return nil }
        precondition(time >= now, "time cannot run backwards")
        now = time
        return event
    }

    /// Schedules the driver's own event `number` at `time` (it comes back as ``DriveEvent/driver(_:)``).
    @inlinable
    public mutating func schedule(_ number: Int, at time: Instant) {
        timed.schedule(.driver(number), at: time)
    }

    /// The packet waiting in flight in `slot`, for a driver that names what a delivery hands over.
    @inlinable
    public func packetInFlight(_ slot: Int) -> IPPacket { inFlight[slot] }

    /// Hands the packet in flight in `slot` to host `h` at ``now`` (a ``DriveEvent/delivery(host:slot:)``).
    @inlinable
    public mutating func deliverInFlight(_ slot: Int, to h: Int) {
        hosts[h].receive(takeInFlight(slot), now: now)
    }

    /// Runs host `h`'s timers due by ``now`` (a ``DriveEvent/timer(host:)``); false, running nothing, when the
    /// event was superseded by an earlier one.
    @inlinable
    public mutating func runTimer(of h: Int) -> Bool {
        guard timers[h] == now else { return false }
        timers[h] = nil
        hosts[h].advance(to: now)
        return true
    }

    /// Sends what host `h` produced: each packet, in order, is routed (``route(from:to:)``), carried by `policy`,
    /// and its copies scheduled for delivery when `policy` says they arrive.
    @inlinable
    public mutating func send<P: DeliveryPolicy>(from h: Int, through policy: inout P) {
        // Read in place: a plain read of `hosts[h]` copies the whole host.
        guard hosts.withUnsafeBufferPointer({ $0[h].hasPendingPackets }) else { return }
        syncAddresses()
        hosts[h].drainPackets(into: &sendScratch)
        if !sendScratch.isEmpty { transmitScratch(from: h, through: &policy) }
    }

    /// Schedules host `h`'s timer event at its deadline (never before ``now``) when that is earlier than the
    /// one pending.
    @inlinable
    public mutating func scheduleTimer(of h: Int) {
        syncAddresses()
        guard let deadline = hosts.withUnsafeBufferPointer({ $0[h].nextDeadline }) else { return }
        let due = max(deadline, now)
        if timers[h].map({ due < $0 }) ?? true {
            timers[h] = due
            timed.schedule(.timer(host: h), at: due)
        }
    }

    /// Routes and schedules what host `h` just produced (in `sendScratch`, which it leaves empty). Packets in
    /// flight wait in `inFlight`, and their events hold the slot (a packet in the heap would make it move
    /// hundreds of bytes per swap). A packet delivered from the last slot moves out; one delivered from another
    /// slot is copied out and its slot becomes a hole, reused by later packets or dropped once the slots after it
    /// are gone. With one packet in flight at a time, as on a loopback, packets are never copied.
    @inlinable
    mutating func transmitScratch<P: DeliveryPolicy>(from h: Int, through policy: inout P) {
        let n = sendScratch.count
        // Nothing in flight: the buffer becomes the in-flight store as it is (slot i holds packet i) and the
        // store's empty buffer goes back for the next packets, so no packet is moved or copied.
        let handOver = inFlight.isEmpty
        // Packets whose duplicates get the slots after the buffer's, once it is the store (nil until one is
        // duplicated: an empty array would still cost a release per call).
        var duplicated: [Int]?
        let time = now
        for i in 0..<n {
            let slot = handOver ? i : park(sendScratch[i])
            let way = route(from: h, to: sendScratch[i].ip.destination)
            // Carried in place: a copy of the packet would retain each of its buffers.
            let arrivals = policy.carry(&sendScratch[i], from: h, route: way, now: time)
            let target: Int
            switch way {
            case .loopback: target = h
            case .host(let t): target = t
            case .outbound: target = -1
            }
            guard target >= 0, let first = arrivals.first else {
                holes.append(slot)
                continue
            }
            timed.schedule(.delivery(host: target, slot: slot), at: first)
            if let copyTime = arrivals.duplicate {
                let copySlot: Int
                if handOver {
                    copySlot = n + (duplicated?.count ?? 0)
                    if duplicated == nil { duplicated = [] }
                    duplicated!.append(i)
                } else {
                    copySlot = park(sendScratch[i])
                }
                timed.schedule(.delivery(host: target, slot: copySlot), at: copyTime)
            }
        }
        if handOver {
            swap(&inFlight, &sendScratch)
            if let duplicated { for i in duplicated { inFlight.append(inFlight[i]) } }
        } else {
            sendScratch.removeAll(keepingCapacity: true)
        }
        if !holes.isEmpty { trimHoles() }
    }

    /// Puts a packet in a free slot of the store: a hole, or a new slot at the end.
    @inlinable
    mutating func park(_ packet: IPPacket) -> Int {
        if let hole = holes.popLast() {
            inFlight[hole] = packet
            return hole
        }
        inFlight.append(packet)
        return inFlight.count - 1
    }

    @inlinable
    mutating func takeInFlight(_ slot: Int) -> IPPacket {
        guard slot == inFlight.count - 1 else {
            holes.append(slot)
            return inFlight[slot]
        }
        let packet = inFlight.removeLast()
        if !holes.isEmpty { trimHoles() }
        return packet
    }

    /// Drops holes at the end of the store, so that it shrinks back as packets arrive.
    @inlinable
    mutating func trimHoles() {
        while let k = holes.firstIndex(of: inFlight.count - 1) {
            holes.swapAt(k, holes.count - 1)
            holes.removeLast()
            inFlight.removeLast()
        }
    }
}
