import NetSim
import TCPStack
import TCPWire

/// A test double for the simulator: not TCP, just enough to move packets. connect() sends one "SYN" packet to
/// the remote; whichever host receives it hands it to the socket that sent it (matched by source port), which is
/// refused for the first `refusals` attempts and connected after. Data is one packet per send(), handed back to
/// the sending socket the same way (every toy connection hears itself, like a self-connected socket).
struct LoopbackToyStack: SimulatedStack {
    typealias Socket = Int

    var refusals: Int
    var localAddress: IPAddress
    var nextPort: UInt16 = 40000
    var sockets: [Int: (local: Endpoint, remote: Endpoint?, connected: Bool, inbox: [UInt8])] = [:]
    var nextSocket = 1
    var packets: [IPPacket] = []
    var events: [AppEvent<Int>] = []
    var changes: [TransitionRecord] = []

    init(refusals: Int, address: IPAddress = .v4(.loopback)) {
        self.refusals = refusals
        self.localAddress = address
    }

    private func socket(for port: UInt16) -> Int? { sockets.first { $0.value.local.port == port }?.key }

    mutating func receive(_ packet: IPPacket, now: Instant) {
        guard let s = socket(for: packet.tcp.sourcePort) else { return }
        if packet.tcp.flags.contains(.syn) {
            if refusals > 0 {
                refusals -= 1
                events.append(.failed(s, .connectionRefused))
            } else {
                sockets[s]!.connected = true
                changes.append(TransitionRecord(
                    time: .zero, host: "", socket: "toy:\(s)", from: .synSent, to: .established,
                    cause: "toy", rfc: "none", linux: "none"))
                events.append(.connected(s))
            }
        } else {
            sockets[s]!.inbox += packet.tcp.payload
            events.append(.readable(s))
        }
    }

    mutating func advance(now: Instant) {}
    var nextDeadline: Instant? { nil }
    mutating func drainPackets(into sink: inout [IPPacket]) { sink += packets; packets = [] }
    mutating func drainEvents(into sink: inout [AppEvent<Int>]) { sink += events; events = [] }
    mutating func drainTransitions() -> [TransitionRecord] { defer { changes = [] }; return changes }

    mutating func socket(_ family: AddressFamily) throws(SocketError) -> Int {
        defer { nextSocket += 1 }
        return nextSocket
    }

    mutating func bind(_ socket: Int, to local: Endpoint) throws(SocketError) {
        sockets[socket] = (local, nil, false, [])
    }

    mutating func listen(_ socket: Int, backlog: Int) throws(SocketError) { throw .operationNotSupported }

    mutating func connect(_ socket: Int, to remote: Endpoint, now: Instant) throws(SocketError) {
        if sockets[socket] == nil {
            sockets[socket] = (Endpoint(localAddress, nextPort), nil, false, [])
            nextPort += 1
        }
        sockets[socket]!.remote = remote
        let local = sockets[socket]!.local
        packets.append(IPPacket(from: local.address, to: remote.address, tcp: TCPSegment(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: 1, flags: .syn, window: 100)))
    }

    mutating func accept(_ listener: Int) throws(SocketError) -> Int? { nil }

    mutating func send(_ socket: Int, _ bytes: [UInt8], now: Instant) throws(SocketError) -> Int {
        guard let local = sockets[socket]?.local, let remote = sockets[socket]?.remote else { throw .notConnected }
        packets.append(IPPacket(from: local.address, to: remote.address, tcp: TCPSegment(
            sourcePort: local.port, destinationPort: remote.port, sequenceNumber: 2, flags: [.ack, .psh],
            window: 100, payload: bytes)))
        return bytes.count
    }

    mutating func read(_ socket: Int, maxBytes: Int, now: Instant) throws(SocketError) -> [UInt8] {
        defer { sockets[socket]?.inbox = [] }
        return sockets[socket]?.inbox ?? []
    }

    mutating func close(_ socket: Int, now: Instant) { sockets[socket] = nil }
    mutating func abort(_ socket: Int, now: Instant) { sockets[socket] = nil }
    mutating func shutdownWrite(_ socket: Int, now: Instant) {}
    func localEndpoint(of socket: Int) -> Endpoint? { sockets[socket]?.local }
    func state(of socket: Int) -> TCPState? { sockets[socket].map { $0.connected ? .established : .synSent } }

    func connectionTable() -> [ConnectionRow] {
        sockets.keys.sorted().map { k in
            ConnectionRow(local: sockets[k]!.local, remote: sockets[k]!.remote ?? sockets[k]!.local, state: .established)
        }
    }
}
