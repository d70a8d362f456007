// libFuzzer entry point for the TCP engine, compiled into the TCPStack module (Sources/TCPStack/**) by Fuzz/run.sh
// so it can read the TCBs. Each input is a program: its first byte picks a personality, then every op byte picks
// a step on two hosts, A (10.0.0.1, listening on 81) and B (10.0.0.2, listening on 80), joined by a wire whose
// packets the input delivers, drops or duplicates: socket calls (connect, accept, send, receive, shutdown, close,
// abort), a time step, and segments crafted at a live connection's 4-tuple with sequence and ACK numbers near
// its own, so they reach every state's rules. Over many inputs the hosts hold a listener and connections in
// every state. After every step:
//  - SND.UNA <= SND.NXT, and what is in flight fits the send buffer plus SYN and FIN;
//  - the send buffer within SO_SNDBUF (or the personality's default), a listener's queue within its backlog;
//  - every transition is an edge of RFC 9293's state diagram (figure 5) or the engine's documented extras;
//  - no trap anywhere.

import TCPWire

private let personalities: [TCPConfiguration] = [.linux310, .linux46, .linux6, .rfc9293, .xnu, .freebsd]
private let addressA = IPAddress.v4(IPv4Address(10, 0, 0, 1))
private let addressB = IPAddress.v4(IPv4Address(10, 0, 0, 2))

/// Edges a connection may take besides staying put or falling to CLOSED (abort, reset, time-out): RFC 9293
/// figure 5, plus LISTEN -> SYN-SENT (a listener that connects, RFC 9293 §3.10.1), SYN-RECEIVED -> CLOSE-WAIT
/// and SYN-SENT -> CLOSE-WAIT (the handshake's last segment carries a FIN), TIME-WAIT -> SYN-RECEIVED (RFC 9293
/// §3.10.7.4 / RFC 6191 reopening), and FIN-WAIT-1 -> TIME-WAIT (a FIN and the ACK of ours in one segment).
private let edges: Set<Edge> = [
    Edge(.closed, .synSent), Edge(.closed, .listen), Edge(.listen, .synReceived), Edge(.listen, .synSent),
    Edge(.synSent, .synReceived), Edge(.synSent, .established), Edge(.synSent, .closeWait),
    Edge(.synReceived, .established), Edge(.synReceived, .finWait1), Edge(.synReceived, .closeWait),
    Edge(.synReceived, .listen), Edge(.established, .finWait1), Edge(.established, .closeWait),
    Edge(.finWait1, .finWait2), Edge(.finWait1, .closing), Edge(.finWait1, .timeWait),
    Edge(.finWait2, .timeWait), Edge(.closing, .timeWait), Edge(.closeWait, .lastAck), Edge(.timeWait, .synReceived),
]

/// One edge of the diagram: a struct rather than a two-element array, so a lookup allocates nothing.
private struct Edge: Hashable {
    var from: TCPState, to: TCPState
    init(_ from: TCPState, _ to: TCPState) { (self.from, self.to) = (from, to) }
}

private struct Input {
    var bytes: UnsafeRawBufferPointer
    var at = 0
    var done: Bool { at >= bytes.count }
    mutating func byte() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }
    mutating func u16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }
}

private struct World {
    var hosts: [HostStack]
    var sockets: [[SocketID]] = [[], []]
    var listeners: [SocketID] = []
    /// Packets each host sent, not yet delivered to the other.
    var wire: [[IPPacket]] = [[], []]
    var now = Instant.milliseconds(1_000)
    /// Scratch for the events each step drains (nothing checks them); reused so a step allocates nothing for them.
    var events: [SocketEvent] = []
    /// The personality's buffer limits, read once (a `TCPConfiguration` copy per check costs retains).
    let sendBufferDefault: Int, receiveBufferMax: Int
    /// Under Linux's send admission a new skb may start while the queue's memory is under sk_sndbuf (at most
    /// tcp_wmem[2] when grown), so the payload can pass it by one skb's size goal (at most the GSO size): nil when
    /// the personality does not use that rule.
    let skbSendSlack: (grownMax: Int, goal: Int)?

    init(_ config: TCPConfiguration, seed: UInt64) {
        sendBufferDefault = config.sendBufferSize
        receiveBufferMax = config.receiveBufferMax
        skbSendSlack = config.linuxSkbSendQueue
            ? (max(config.sendBufferSize, config.sendBufferMax), max(config.segmentOffloadBytes, 65536)) : nil
        hosts = [HostStack(addresses: [addressA], configuration: config, seed: seed),
                 HostStack(addresses: [addressB], configuration: config, seed: seed &+ 1)]
        for (i, port) in [(0, UInt16(81)), (1, UInt16(80))] {
            hosts[i].isTracing = true
            let l = hosts[i].socket()
            try? hosts[i].bind(l, to: Endpoint(i == 0 ? addressA : addressB, port))
            try? hosts[i].listen(l, backlog: 2)
            listeners.append(l)
        }
    }

    mutating func collect() {
        for i in 0..<2 {
            // Bounded: a runaway exchange must not grow the wire without limit (the oldest 256 stay).
            hosts[i].drainPackets(into: &wire[i])
            if wire[i].count > 256 { wire[i].removeSubrange(256...) }
            hosts[i].drainEvents(into: &events)
            events.removeAll(keepingCapacity: true)
            for t in hosts[i].takeTransitions() where t.from != t.to && t.to != .closed {
                precondition(edges.contains(Edge(t.from, t.to)), "unreachable transition \(t.from) -> \(t.to) (\(t.rfc))")
            }
        }
    }

    mutating func step(_ input: inout Input) {
        let h = Int(input.byte() & 1)
        let op = input.byte() % 14
        let pick = Int(input.byte())
        let socket: SocketID? = sockets[h].isEmpty ? nil : sockets[h][pick % sockets[h].count]
        switch op {
        case 0 where sockets[h].count < 6:
            let s = hosts[h].socket()
            sockets[h].append(s)
            try? hosts[h].connect(s, to: Endpoint(h == 0 ? addressB : addressA, h == 0 ? 80 : 81), now: now)
        case 1:
            if sockets[h].count < 8, let s = try? hosts[h].accept(listeners[h]) { sockets[h].append(s) }
        case 2:
            if let socket { _ = try? hosts[h].send(socket, [UInt8](repeating: input.byte(), count: Int(input.u16() % 20_000)), now: now) }
        case 3:
            if let socket { _ = try? hosts[h].receive(socket, maxBytes: Int(input.u16()), now: now) }
        case 4:
            if let socket { try? hosts[h].shutdown(socket, .write, now: now) }
        case 5:
            if let socket { try? hosts[h].close(socket, now: now) }
        case 6:
            if let socket { try? hosts[h].abort(socket, now: now) }
        case 7:
            let ms = Int64(input.byte())
            now = now + .milliseconds(ms * ms)
            for i in 0..<2 { hosts[i].advance(to: now) }
        case 8, 9, 10:
            // Deliver the first packet h sent (8), drop it (9), or deliver it twice (10).
            guard !wire[h].isEmpty else { break }
            let p = wire[h].removeFirst()
            if op != 9 { hosts[1 - h].receive(p, now: now) }
            if op == 10 { hosts[1 - h].receive(p, now: now) }
        case 11, 12:
            // A segment crafted at one of host h's connections, as if from its peer.
            guard let socket, let c = hosts[h].connection(socket), let local = c.local, let remote = c.remote else { break }
            let flags = TCPFlags(rawValue: UInt16(input.byte()))
            let seq = c.rcvNxt.rawValue &+ UInt32(bitPattern: Int32(Int16(bitPattern: input.u16())))
            let ack = c.sndUna.rawValue &+ UInt32(bitPattern: Int32(Int16(bitPattern: input.u16())))
            let window = input.u16()
            let payload = [UInt8](repeating: 0x61, count: op == 12 ? Int(input.byte()) * 8 : 0)
            var options = TCPOptions()
            if input.byte() & 1 == 1 { options = (try? TCPOptions(rawBytes: UnsafeRawBufferPointer(rebasing: input.bytes[input.at...]).prefix(40))) ?? options }
            let tcp = TCPSegment(sourcePort: remote.port, destinationPort: local.port, sequenceNumber: seq,
                                 acknowledgmentNumber: ack, flags: flags, window: window, options: options, payload: payload)
            hosts[h].receive(IPPacket(from: remote.address, to: local.address, tcp: tcp), now: now)
        case 13:
            // Raw bytes as an IP packet, addressed to host h whatever they say.
            let count = Int(input.byte())
            let end = min(input.bytes.count, input.at + count)
            if let p = try? IPPacket(parsing: UnsafeRawBufferPointer(rebasing: input.bytes[input.at..<end])),
               p.ip.destination == (h == 0 ? addressA : addressB) {
                hosts[h].receive(p, now: now)
            }
            input.at = end
        default:
            break
        }
        collect()
        check()
    }

    /// Reads every slot in place: iterating copies would retain and release each connection's buffers.
    func check() {
        hosts.withUnsafeBufferPointer { hosts in
            for host in hosts.indices {
                hosts[host].slots.withUnsafeBufferPointer { slots in
                    for i in slots.indices where slots[i].inUse { check(slots[i]) }
                }
            }
        }
    }

    @inline(__always)
    private func check(_ c: borrowing Connection) {
        let state = c.state
        if state != .closed && state != .listen && state != .synSent {
            precondition(c.sndUna <= c.sndNxt, "SND.UNA \(c.sndUna) > SND.NXT \(c.sndNxt) in \(state)")
            precondition(c.sndNxt - c.sndUna <= c.sendBuffer.count + 2,
                         "in flight \(c.sndNxt - c.sndUna) > send buffer \(c.sendBuffer.count) + SYN + FIN")
        }
        let sendLimit = skbSendSlack.map { (c.sendBufferSize ?? $0.grownMax) + $0.goal }
            ?? c.sendBufferSize.map { $0 / 2 } ?? sendBufferDefault
        precondition(c.sendBuffer.count <= sendLimit, "send buffer \(c.sendBuffer.count) > \(sendLimit)")
        let receiveLimit = max(receiveBufferMax, c.receiveBufferSize ?? 0) * 2
        precondition(c.receiveBuffer.count <= receiveLimit, "receive buffer \(c.receiveBuffer.count) > \(receiveLimit)")
        if state == .listen {
            precondition(c.acceptQueue.count <= max(c.backlog, 1), "accept queue \(c.acceptQueue.count) > backlog \(c.backlog)")
        }
    }
}

/// The world each input starts from, by first byte (personality and seed): built once, then copied, which costs
/// a few retains instead of two hosts' construction, bind and listen (values all through, so copies share nothing
/// mutable). Fuzzer-only state: libFuzzer calls the entry point from one thread.
nonisolated(unsafe) private var templates = [World?](repeating: nil, count: 256)

@_cdecl("LLVMFuzzerTestOneInput")
public func engineFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = Input(bytes: UnsafeRawBufferPointer(start: data, count: size))
    let first = input.byte()
    if templates[Int(first)] == nil {
        templates[Int(first)] = World(personalities[Int(first) % personalities.count], seed: UInt64(first))
    }
    var world = templates[Int(first)]!
    var steps = 0
    while !input.done, steps < 256 {
        world.step(&input)
        steps += 1
    }
    return 0
}
