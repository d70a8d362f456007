import TCPStack
import TCPWire

/// An in-memory network: packets go to the stack that owns the destination address (a host's own packets
/// loop back to it), in FIFO order, and every packet is logged.
struct TestWire {
    var hosts: [HostStack]
    var now = Instant.milliseconds(1_000_000)
    var log: [IPPacket] = []
    var events: [SocketEvent] = []
    /// State changes, per host.
    var transitionsByHost: [[Transition]]
    /// Packets for which this returns true are lost.
    var drop: (IPPacket) -> Bool = { _ in false }
    private var queue: [IPPacket] = []

    init(_ hosts: HostStack...) {
        self.hosts = hosts
        transitionsByHost = hosts.map { _ in [] }
    }

    /// State changes of host 0 (most tests use one host).
    var transitions: [Transition] { transitionsByHost[0] }

    func owner(of address: IPAddress) -> Int? { hosts.firstIndex { $0.addresses.contains(address) } }

    /// Delivers until no packet is left (bounded).
    mutating func run(maxPackets: Int = 10_000) {
        collect()
        var delivered = 0
        while !queue.isEmpty && delivered < maxPackets {
            let p = queue.removeFirst()
            delivered += 1
            log.append(p)
            if drop(p) { continue }
            if let h = owner(of: p.ip.destination) { hosts[h].receive(p, now: now) }
            collect()
        }
    }

    /// Moves time forward, fires timers, and delivers what they produce.
    mutating func advance(by d: Duration) {
        now = now + d
        for h in hosts.indices { hosts[h].advance(to: now) }
        run()
    }

    /// Steps from deadline to deadline until `limit` has passed.
    mutating func runTimers(until limit: Duration) {
        let end = now + limit
        while true {
            let next = hosts.compactMap(\.nextDeadline).min()
            guard let n = next, n <= end else { break }
            now = max(now, n)
            for h in hosts.indices { hosts[h].advance(to: now) }
            run()
        }
        now = end
    }

    private mutating func collect() {
        for h in hosts.indices {
            hosts[h].drainPackets(into: &queue)
            hosts[h].drainEvents(into: &events)
            transitionsByHost[h].append(contentsOf: hosts[h].takeTransitions())
        }
    }

    func states(of socket: SocketID, host: Int = 0) -> [TCPState] {
        // States visited: self-loops (an ACK sent without a state change) are not visits.
        transitionsByHost[host].filter { $0.socket == socket && $0.from != $0.to }.map(\.to)
    }
}

let v4 = IPAddress.v4(.loopback)
let v6 = IPAddress.v6(.loopback)

func host(_ config: TCPConfiguration, _ addresses: [IPAddress] = [v4, v6], seed: UInt64 = 1) -> HostStack {
    HostStack(addresses: addresses, configuration: config, seed: seed)
}

/// tcpdump's text for a TCP packet after the addresses (`Flags [S.], seq ..., length N`). Sequence numbers of
/// segments without SYN are relative to `base` (ISN of the sender) and acks to `peerBase`, as tcpdump prints
/// them once it has seen both SYNs.
func tcpdumpLine(_ p: IPPacket, base: UInt32, peerBase: UInt32) -> String {
    let t = p.tcp
    var flags = ""
    if t.flags.contains(.fin) { flags += "F" }
    if t.flags.contains(.syn) { flags += "S" }
    if t.flags.contains(.rst) { flags += "R" }
    if t.flags.contains(.psh) { flags += "P" }
    if t.flags.contains(.ack) { flags += "." }
    var s = "Flags [\(flags)]"
    let absolute = t.flags.contains(.syn) || t.flags.contains(.rst)
    let seq = absolute ? t.sequenceNumber : t.sequenceNumber &- base
    let ack = absolute ? t.acknowledgmentNumber : t.acknowledgmentNumber &- peerBase
    if !t.payload.isEmpty {
        s += ", seq \(seq):\(seq &+ UInt32(t.payload.count))"
    } else if t.flags.contains(.syn) || t.flags.contains(.fin) || t.flags.contains(.rst) {
        s += ", seq \(seq)"
    }
    if t.flags.contains(.ack) { s += ", ack \(ack)" }
    s += ", win \(t.window)"
    if t.options.count > 0 {
        let parts = t.options.map { (o: TCPOption) -> String in
            switch o {
            case .maxSegmentSize(let m): "mss \(m)"
            case .sackPermitted: "sackOK"
            case .timestamps(let v, let e): "TS val \(v) ecr \(e)"
            case .noOperation: "nop"
            case .windowScale(let w): "wscale \(w)"
            case .sack(let blocks):
                "sack \(blocks.count) " + blocks.map { "{\($0.left &- peerBase):\($0.right &- peerBase)}" }
                    .joined(separator: " ")
            case .endOfList: "eol"
            case .unknown(let k, _): "unknown-\(k)"
            }
        }
        s += ", options [\(parts.joined(separator: ","))]"
    }
    s += ", length \(t.payload.count)"
    return s
}

extension Array where Element == UInt8 {
    init(_ s: String) { self = Array(s.utf8) }
}
