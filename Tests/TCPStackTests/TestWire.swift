import TCPStack
import TCPWire

/// The tests' network: a `DriveLoop` over the hosts (packets go to the host that owns the destination, a host's
/// own packets loop back to it, FIFO), with every carried packet logged and a hook to lose some.
struct TestWire {
    var loop: DriveLoop<HostStack>
    var log: [IPPacket] = []
    /// Packets for which this returns true are lost.
    var drop: (IPPacket) -> Bool = { _ in false }
    /// State changes, per host.
    private(set) var transitionsByHost: [[Transition]]

    init(_ hosts: HostStack...) {
        loop = DriveLoop(hosts: hosts, now: .milliseconds(1_000_000))
        loop.maxPacketsPerFlush = 10_000
        transitionsByHost = hosts.map { _ in [] }
    }

    var hosts: [HostStack] {
        _read { yield loop.hosts }
        _modify { yield &loop.hosts }
    }
    var now: Instant {
        get { loop.now }
        set { loop.now = newValue }
    }
    var events: [SocketEvent] { loop.events }

    /// State changes of host 0 (most tests use one host).
    var transitions: [Transition] { transitionsByHost[0] }

    /// Delivers until no packet is left (bounded).
    mutating func run() {
        carry { loop, carry in loop.flush(through: carry) }
    }

    /// Moves time forward, fires timers, and delivers what they produce.
    mutating func advance(by d: Duration) {
        let time = now + d
        carry { loop, carry in loop.advance(to: time, through: carry) }
    }

    /// Steps from deadline to deadline until `limit` has passed.
    mutating func runTimers(until limit: Duration) {
        let end = now + limit
        carry { loop, carry in loop.runTimers(until: end, through: carry) }
        loop.now = end
    }

    /// Runs `body` on the loop with the carrier that logs every packet and loses those `drop` picks.
    private mutating func carry(_ body: (inout DriveLoop<HostStack>, (inout IPPacket) -> Bool) -> Void) {
        var log = self.log
        self.log = []
        let drop = self.drop
        body(&loop) { packet in
            log.append(packet)
            return !drop(packet)
        }
        self.log = log
        loop.outbound.removeAll()  // to addresses no host owns: lost
        for h in loop.hosts.indices { transitionsByHost[h].append(contentsOf: loop.hosts[h].takeTransitions()) }
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
