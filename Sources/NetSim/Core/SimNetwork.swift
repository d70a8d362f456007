import TCPStack
import TCPWire

/// A simulator host as its `DriveLoop` drives it: the stack and the addresses it owns.
struct SimHost<Stack: SimulatedStack>: DrivenHost {
    var stack: Stack
    let addresses: [IPAddress]

    mutating func receive(_ packet: IPPacket, now: Instant) { stack.receive(packet, now: now) }
    mutating func advance(to now: Instant) { stack.advance(now: now) }
    var nextDeadline: Instant? { stack.nextDeadline }
    var hasPendingPackets: Bool { stack.hasPendingPackets }
    mutating func drainPackets(into sink: inout [IPPacket]) { stack.drainPackets(into: &sink) }
    var hasPendingEvents: Bool { stack.hasPendingEvents }
    mutating func drainEvents(into sink: inout [AppEvent<Stack.Socket>]) { stack.drainEvents(into: &sink) }
}

/// What lies between the simulator's hosts: each host's loopback device, the links, the taps, and the one
/// generator every impairment draws from. The simulator's `DriveLoop` hands it every packet sent.
struct SimNetwork: DeliveryPolicy {
    struct WireLink {
        var a: Int, b: Int
        var aToB: LinkChannel, bToA: LinkChannel
        var name: String
    }

    var loopbacks: [LinkChannel] = []
    var links: [WireLink] = []
    var random: SeededRandom
    var recordPackets = true
    var captures: [CapturedPacket] = []
    var packetsSent = 0
    var packetsDropped = 0

    /// A packet to the sender's own addresses crosses its loopback device, with that device's delay; one to
    /// another host crosses the link between them; one to no host, or to a host with no link, is lost (no route).
    @inline(__always)
    mutating func carry(_ packet: inout IPPacket, from h: Int, route: PacketRoute, now: Instant) -> Arrivals {
        packetsSent += 1
        let arrivals: Arrivals
        switch route {
        case .loopback:
            if recordPackets { tap(packet, on: "lo", now: now) }
            let bytes = loopbacks[h].usesLength ? packet.simulatedLength : 0
            arrivals = loopbacks[h].transmit(bytes: bytes, now: now, random: &random)
        case .host(let t):
            return carry(packet, from: h, onLinkTo: t, now: now)
        case .outbound:
            packetsDropped += 1
            return Arrivals()
        }
        if arrivals.first == nil { packetsDropped += 1 }
        return arrivals
    }

    /// A packet to another host: across the link between them, or lost when there is none. Not inlined: the
    /// optimizer would hoist the links' uniqueness check into every send, and copy the empty array of a network
    /// with no links each time.
    @inline(never)
    private mutating func carry(_ packet: IPPacket, from h: Int, onLinkTo t: Int, now: Instant) -> Arrivals {
        guard let l = links.firstIndex(where: { ($0.a == h && $0.b == t) || ($0.a == t && $0.b == h) }) else {
            packetsDropped += 1
            return Arrivals()
        }
        if recordPackets { tap(packet, on: links[l].name, now: now) }
        let bytes = packet.simulatedLength
        let arrivals: Arrivals
        if links[l].a == h {
            arrivals = links[l].aToB.transmit(bytes: bytes, now: now, random: &random)
        } else {
            arrivals = links[l].bToA.transmit(bytes: bytes, now: now, random: &random)
        }
        if arrivals.first == nil { packetsDropped += 1 }
        return arrivals
    }

    /// Records a packet on an interface. Not inlined, for the same reason as the links.
    @inline(never)
    private mutating func tap(_ packet: IPPacket, on interface: String, now: Instant) {
        captures.append(CapturedPacket(time: now, interface: interface, packet: packet))
    }
}
