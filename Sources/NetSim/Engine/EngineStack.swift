import TCPStack
import TCPWire

/// The TCPStack engine (`HostStack`) behind the simulator's `SimulatedStack` door: it forwards calls, maps the
/// engine's events to `AppEvent`s, and names sockets by their local endpoint in transitions.
public struct EngineStack: SimulatedStack {
    /// Sockets are the engine's descriptors.
    public typealias Socket = SocketID

    /// The engine itself, for callers that need more than the `SimulatedStack` door.
    public private(set) var host: HostStack
    /// The largest descriptor handed out (the engine reuses the lowest free one, so this stays small).
    private var highestSocket = 0

    /// A host owning `addresses`, with the engine configured by `configuration` and source ports chosen by `ports`, all
    /// randomness drawn from `random`.
    public init(addresses: [IPAddress], configuration: TCPConfiguration, ports: PortPersonality, random: SeededRandom) {
        var random = random
        let allocator = ports.makeAllocator(random: &random)
        host = HostStack(addresses: addresses, configuration: configuration, portAllocator: allocator, seed: random.next())
    }

    /// Whether the engine records transitions (off for benchmarks).
    public var isTracing: Bool {
        get { host.isTracing }
        set { host.isTracing = newValue }
    }

    /// Reused between drains so the hot loop does not allocate.
    private var engineEvents: [TCPStack.SocketEvent] = []

    /// Hands a packet that arrived for this host to the engine.
    public mutating func receive(_ packet: IPPacket, now: Instant) { host.receive(packet, now: now) }

    /// Lets the engine run the timers due by `now`.
    public mutating func advance(now: Instant) { host.advance(to: now) }
    /// The engine's earliest timer, if any.
    public var nextDeadline: Instant? { host.nextDeadline }
    // The simulator drains after every step and usually finds nothing: a read-only check first, so the empty
    // case makes no mutating access to the engine.
    /// Whether the engine has packets waiting to be drained.
    public var hasPendingPackets: Bool { host.hasPendingPackets }
    /// Whether the engine has socket events waiting to be drained.
    public var hasPendingEvents: Bool { host.hasPendingEvents }

    /// Appends the packets the engine produced since the last call.
    public mutating func drainPackets(into sink: inout [IPPacket]) {
        if host.hasPendingPackets { host.drainPackets(into: &sink) }
    }

    /// Appends the engine's socket events since the last call, mapped to `AppEvent`s (refused, reset and timed out
    /// become `failed`).
    public mutating func drainEvents(into sink: inout [AppEvent<SocketID>]) {
        guard host.hasPendingEvents else { return }
        host.drainEvents(into: &engineEvents)
        if engineEvents.isEmpty { return }
        // Popped from the back (after a reverse when there are several), which leaves the buffer empty with its
        // capacity: removeAll(keepingCapacity:) goes through replaceSubrange and costs more than the events.
        if engineEvents.count > 1 { engineEvents.reverse() }
        while let e = engineEvents.popLast() {
            switch e {
            case .connected(let s): sink.append(.connected(s))
            case .refused(let s): sink.append(.failed(s, .connectionRefused))
            case .unreachable(let s): sink.append(.failed(s, .hostUnreachable))
            case .reset(let s): sink.append(.failed(s, .connectionReset))
            case .timedOut(let s): sink.append(.failed(s, .timedOut))
            case .readable(let s): sink.append(.readable(s))
            case .peerClosed(let s): sink.append(.peerClosed(s))
            case .acceptReady(let l): sink.append(.acceptable(l))
            case .closed: break
            }
        }
    }

    /// The engine's transitions since the last call, sockets named by their endpoints; empty when not tracing.
    public mutating func drainTransitions() -> [TransitionRecord] {
        // Not tracing, the engine keeps none: skip the call on the hot path.
        guard host.isTracing else { return [] }
        return host.takeTransitions().map { t in
            TransitionRecord(
                time: .zero, host: "", socket: name(t.socket), from: t.from, to: t.to,
                cause: describe(t.cause, socket: t.socket), rfc: t.rfc, linux: t.linux)
        }
    }

    /// A new socket (the engine's lowest free descriptor); the family is decided later by bind or connect.
    public mutating func socket(_ family: AddressFamily) throws(SocketError) -> SocketID {
        let s = host.socket()
        highestSocket = max(highestSocket, s.rawValue)
        track(s, noDelay: false)
        return s
    }

    // TCP_NODELAY on every socket: Linux's loopback hands our ACK back within the same softirq, before the writer
    // runs again; this simulator's takes 6 µs, and its apps answer in the same instant, so Nagle would hold lines
    // Linux never holds (RFC 1122 §4.2.3.4 lets the application turn it off). Nagle only holds data, so the option
    // is set just before a socket first sends or listens (its connections inherit it), not on each of the retry
    // loop's sockets, which never send any.
    private var noDelay: [Bool] = []

    private mutating func track(_ s: SocketID, noDelay on: Bool) {
        while noDelay.count <= s.rawValue { noDelay.append(false) }
        noDelay[s.rawValue] = on
    }

    private mutating func setNoDelay(_ s: SocketID, now: Instant) {
        guard s.rawValue >= 0, s.rawValue < noDelay.count, !noDelay[s.rawValue] else { return }
        try? host.setNoDelay(s, true, now: now)
        noDelay[s.rawValue] = true
    }

    /// Binds `socket` to `local`, as bind(2).
    public mutating func bind(_ socket: SocketID, to local: Endpoint) throws(SocketError) {
        try host.bind(socket, to: local)
    }

    /// Starts listening; TCP_NODELAY is set first so accepted connections inherit it.
    public mutating func listen(_ socket: SocketID, backlog: Int) throws(SocketError) {
        setNoDelay(socket, now: .zero)
        try host.listen(socket, backlog: backlog)
    }

    /// Starts an active open, as a non-blocking connect(2): the result comes as an event.
    public mutating func connect(_ socket: SocketID, to remote: Endpoint, now: Instant) throws(SocketError) {
        try host.connect(socket, to: remote, now: now)
    }

    /// The next accepted connection, or nil when none waits.
    public mutating func accept(_ listener: SocketID) throws(SocketError) -> SocketID? {
        do {
            let s = try host.accept(listener)
            highestSocket = max(highestSocket, s.rawValue)
            track(s, noDelay: true)  // inherited from the listener
            return s
        } catch .wouldBlock {
            return nil
        }
    }

    /// Queues bytes for sending (TCP_NODELAY on first use) and returns how many the send buffer took.
    public mutating func send(_ socket: SocketID, _ bytes: [UInt8], now: Instant) throws(SocketError) -> Int {
        setNoDelay(socket, now: now)
        return try host.send(socket, bytes, now: now)
    }

    /// Takes up to `maxBytes` received bytes; empty when none wait or at EOF.
    public mutating func read(_ socket: SocketID, maxBytes: Int, now: Instant) throws(SocketError) -> [UInt8] {
        do {
            return try host.receive(socket, maxBytes: maxBytes, now: now)
        } catch .wouldBlock {
            return []
        }
    }

    /// Closes the socket, as close(2): a FIN if connected.
    public mutating func close(_ socket: SocketID, now: Instant) {
        try? host.close(socket, now: now)
    }

    /// Half-closes for writing, as shutdown(SHUT_WR).
    public mutating func shutdownWrite(_ socket: SocketID, now: Instant) {
        try? host.shutdown(socket, .write, now: now)
    }

    /// Aborts with a RST, as close(2) with SO_LINGER {on, 0}.
    public mutating func abort(_ socket: SocketID, now: Instant) {
        try? host.abort(socket, now: now)
    }

    /// The socket's local endpoint, once it has one.
    public func localEndpoint(of socket: SocketID) -> Endpoint? { host.localEndpoint(of: socket) }
    /// A read-only copy of every socket's TCB, for the step-by-step explainer.
    public func tcbSnapshots() -> [TCBSnapshot] { host.tcbSnapshots() }
    /// The socket's TCP state, or nil for a descriptor that is not open.
    public func state(of socket: SocketID) -> TCPState? { host.state(of: socket) }

    /// Every socket with an address, in descriptor order (queues are not exposed by the engine: shown as 0).
    public func connectionTable() -> [ConnectionRow] {
        (0...highestSocket).compactMap { i -> ConnectionRow? in
            guard let c = host.connection(SocketID(i)), c.state != .closed, let local = c.local else { return nil }
            let any: IPAddress = local.address.isIPv6 ? .v6(.any) : .v4(.any)
            return ConnectionRow(local: local, remote: c.remote ?? Endpoint(any, 0), state: c.state)
        }
    }

    /// `127.0.0.1:50000`, or `socket #3` before it has a port.
    private func name(_ s: SocketID) -> String {
        host.localEndpoint(of: s).map { "\($0.address):\($0.port)" } ?? "socket \(s)"
    }

    private func selfTag(_ s: SocketID) -> String {
        let local = host.localEndpoint(of: s)
        return local != nil && local == host.remoteEndpoint(of: s) ? " (its own)" : ""
    }

    private func describe(_ cause: TransitionCause, socket s: SocketID) -> String {
        switch cause {
        case .user(let call): return "\(call)()"
        case .icmp(let kind): return "ICMP \(kind)"
        case .timer(.timeWait): return "TIME-WAIT timer (2MSL) expired"
        case .timer(.retransmission): return "retransmission timer gave up"
        case .timer(.persist): return "zero-window probes went unanswered"
        case .timer(.keepalive): return "keep-alive probes went unanswered"
        case .timer(.userTimeout): return "user timeout expired"
        case .segment(let seg):
            var text = "rcv " + Self.flagNames(seg.flags)
            if seg.flags.contains(.syn) || seg.flags.contains(.rst) || !seg.payload.isEmpty || seg.flags.contains(.fin) {
                text += " seq \(seg.sequenceNumber)"
            }
            if seg.flags.contains(.ack) { text += " ack \(seg.acknowledgmentNumber)" }
            return text + selfTag(s)
        }
    }

    static func flagNames(_ f: TCPFlags) -> String {
        let names: [(TCPFlags, String)] = [(.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK")]
        let parts = names.filter { f.contains($0.0) }.map(\.1)
        return parts.isEmpty ? "segment" : parts.joined(separator: ",")
    }
}
