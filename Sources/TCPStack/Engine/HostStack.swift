import TCPWire

/// Local and remote endpoint of a connection: the demultiplexing key (RFC 9293 §3.10.7).
struct FourTuple: Equatable {
    var local: Endpoint
    var remote: Endpoint
}

/// `shutdown(2)`'s `how`.
public enum ShutdownHow: Hashable, Sendable {
    /// SHUT_RD, SHUT_WR or SHUT_RDWR.
    case read, write, both
}

/// One host's TCP: every socket, listener and connection for its addresses. Sans-IO: packets come in through
/// `receive(_:now:)`, time through `advance(to:)`, and everything produced waits in the outputs
/// (`takePackets`, `takeEvents`, `takeTransitions`) until the driver drains it. A packet addressed to one of
/// the host's own addresses is the driver's to loop back: ``DriveLoop`` does that, and drives the host.
public struct HostStack: Sendable {
    /// The TCP behaviour every connection of this host follows (a personality's `tcp`); replace it with
    /// `reconfigure(_:)` (a sysctl written while the host runs).
    public private(set) var configuration: TCPConfiguration
    /// The host's own addresses; a packet to one of them is the driver's to loop back to this host (``DriveLoop``).
    public let addresses: [IPAddress]
    /// RFC 6528 ISN and timestamp-offset generator; replace it to inject a secret.
    public var isnGenerator: ISNGenerator {
        didSet { lastTimestampOffset = nil }
    }

    /// Every socket, indexed by `SocketID`; free entries have `inUse == false` (kept to mutate in place).
    var slots: [Connection] = []
    var freeSlots: [Int] = []
    var connections: ConnectionTable
    var listeners: [Endpoint: Int] = [:]
    /// Port ownership and Linux's sharing rules (bind conflicts, connect() port usability).
    var bindTable = BindTable()
    var portAllocator: any PortAllocator
    var random: SeededRandom
    var out = EngineOutput()
    var lastTimestampOffset: (local: IPAddress, remote: IPAddress, offset: UInt32)?
    /// TCP Fast Open cookies by peer address (Linux keeps them in `tcp_metrics`).
    var fastOpenCookies: [IPAddress: [UInt8]] = [:]
    /// A new connection's RTO estimator, built once from the configuration (its Durations take 128-bit divisions).
    private(set) var initialRTT: RTOEstimator
    /// `initialRTT.rto` in nanoseconds: every connect() arms its SYN timer with it.
    private(set) var initialRTONanoseconds: Int64

    /// - Parameters:
    ///   - addresses: the host's addresses (e.g. 127.0.0.1 and ::1).
    ///   - configuration: the TCP behaviour of every connection (a personality's `tcp`).
    ///   - portAllocator: picks source ports for unbound connect() and bind() to port 0.
    ///   - seed: seeds the ISN/timestamp secret and the allocator's randomness.
    public init(
        addresses: [IPAddress], configuration: TCPConfiguration,
        portAllocator: any PortAllocator = SequentialPortAllocator(), seed: UInt64
    ) {
        self.addresses = addresses
        self.configuration = configuration
        initialRTT = RTOEstimator(parameters: configuration.rtoParameters)
        initialRTONanoseconds = initialRTT.rto.nanosecondsValue
        self.portAllocator = portAllocator
        var random = SeededRandom(seed: seed)
        isnGenerator = ISNGenerator(secret: SipKey(random: &random))
        connections = ConnectionTable(seed: random.next())
        self.random = random
    }

    /// A sysctl written on a running host: every later decision reads the new values, as the kernel reads its
    /// sysctls when it uses them; connections keep what they negotiated.
    public mutating func reconfigure(_ configuration: TCPConfiguration) {
        self.configuration = configuration
        initialRTT = RTOEstimator(parameters: configuration.rtoParameters)
        initialRTONanoseconds = initialRTT.rto.nanosecondsValue
    }

    // MARK: outputs

    /// Whether the interface's queue drops every packet the host sends, telling the sender (`tc qdisc add ... pfifo
    /// limit 0`): data stays queued, unsent, and the persist timer retries it (Linux `tcp_write_xmit`,
    /// `tcp_send_probe0` with `TCP_RESOURCE_PROBE_INTERVAL`).
    public var transmitQueueDrops: Bool {
        get { out.transmitQueueDrops }
        set { out.transmitQueueDrops = newValue }
    }

    /// Whether trace events are recorded (on by default).
    public var isTracing: Bool {
        get { out.tracing }
        set { out.tracing = newValue }
    }

    /// Moves the packets to send into `sink`. When `sink` is empty the buffers are swapped, so a driver that
    /// empties and reuses its buffer moves packets without copying or allocating.
    public mutating func drainPackets(into sink: inout [IPPacket]) {
        // A driver drains every host after every step; most have nothing to hand over.
        if out.packets.isEmpty { return }
        if sink.isEmpty {
            swap(&sink, &out.packets)
        } else {
            sink.append(contentsOf: out.packets)
            out.packets.removeAll(keepingCapacity: true)
        }
    }

    /// Returns the packets to send, in order, and empties the queue. A packet to one of `addresses` is to be fed back
    /// into `receive(_:now:)` (``DriveLoop/flush()`` does).
    public mutating func takePackets() -> [IPPacket] {
        defer { out.packets = [] }
        return out.packets
    }

    /// Returns the socket events since the last call, in order, and empties the queue.
    public mutating func takeEvents() -> [SocketEvent] {
        defer { out.events = [] }
        return out.events
    }

    /// Moves the user events into `sink` (swapping buffers when `sink` is empty, like `drainPackets`).
    public mutating func drainEvents(into sink: inout [SocketEvent]) {
        if out.events.isEmpty { return }
        if sink.isEmpty {
            swap(&sink, &out.events)
        } else {
            sink.append(contentsOf: out.events)
            out.events.removeAll(keepingCapacity: true)
        }
    }

    /// Returns the state changes since the last call (empty unless `isTracing`), in order, and empties the queue.
    public mutating func takeTransitions() -> [Transition] {
        defer { out.transitions = [] }
        return out.transitions
    }

    /// Whether `drainPackets`/`takePackets` has anything to hand over (a read-only check for drivers).
    public var hasPendingPackets: Bool { !out.packets.isEmpty }
    /// Whether `drainEvents`/`takeEvents` has anything to hand over (a read-only check for drivers).
    public var hasPendingEvents: Bool { !out.events.isEmpty }

    /// When the driver must call `advance(to:)` next (nil: no timer running).
    public var nextDeadline: Instant? {
        // Slots are read in place: `for c in slots` would copy each whole TCB (retaining its buffers).
        slots.withUnsafeBufferPointer { buffer in
            var best: Instant?
            for i in buffer.indices where buffer[i].inUse {
                best = Connection.earlier(best, buffer[i].nextDeadline)
            }
            return best
        }
    }

    // MARK: getters

    /// The socket's RFC 9293 state, or nil if `id` names no open socket.
    public func state(of id: SocketID) -> TCPState? { isValid(id) ? slots[id.rawValue].state : nil }
    /// The socket's local endpoint, once bound or connected; nil if `id` names no open socket.
    public func localEndpoint(of id: SocketID) -> Endpoint? { isValid(id) ? slots[id.rawValue].local : nil }
    /// The socket's peer endpoint, once connected; nil if `id` names no open socket.
    public func remoteEndpoint(of id: SocketID) -> Endpoint? { isValid(id) ? slots[id.rawValue].remote : nil }
    /// SO_ERROR: the error that ended the last connection attempt or connection.
    public func error(of id: SocketID) -> SocketError? {
        isValid(id) ? slots[id.rawValue].pendingError : nil
    }
    /// The whole TCB, for inspection.
    public func connection(_ id: SocketID) -> Connection? { slot(id) }
    /// Sockets and connections alive (including closed descriptors still in TIME-WAIT and the like).
    public var liveCount: Int { slots.count - freeSlots.count }

    func isValid(_ id: SocketID) -> Bool { id.rawValue >= 0 && id.rawValue < slots.count && slots[id.rawValue].inUse }

    func slot(_ id: SocketID) -> Connection? { isValid(id) ? slots[id.rawValue] : nil }

    /// The slot of an open descriptor, or EBADF.
    func openSlot(_ id: SocketID) throws(SocketError) -> Int {
        guard isValid(id), slots[id.rawValue].descriptorOpen else { throw .badDescriptor }
        return id.rawValue
    }

    // MARK: socket API

    /// A new socket in CLOSED.
    public mutating func socket() -> SocketID {
        let index: Int
        let rtt = initialRTT
        if !freeSlots.isEmpty {
            index = freeSlots.removeLast()
            // Replaced in place: the fresh TCB is built where it lives rather than moved in (and filled through
            // the same access, not a second uniqueness-checked one).
            slots.withUnsafeMutableBufferPointer { buffer in
                let slot = buffer.baseAddress! + index
                slot.deinitialize(count: 1)
                slot.initialize(to: Connection(id: SocketID(index)))
                slot.pointee.rtt = rtt
            }
        } else {
            index = slots.count
            slots.append(Connection(id: SocketID(index)))
            slots[index].rtt = rtt
        }
        return SocketID(index)
    }

    /// SO_REUSEADDR.
    public mutating func setReuseAddress(_ id: SocketID, _ on: Bool) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].reuseAddress = on
    }

    /// bind(2): gives the socket `endpoint` as its local endpoint; port 0 asks the port allocator for one. Throws
    /// `addressInUse` when the port's holders refuse to share it, `addressNotAvailable` for an address the host does
    /// not own.
    public mutating func bind(_ id: SocketID, to endpoint: Endpoint) throws(SocketError) {
        let i = try openSlot(id)
        guard slots[i].local == nil, slots[i].state == .closed else { throw .invalidArgument }
        guard isAny(endpoint.address) || addresses.contains(endpoint.address) || slots[i].freeBind else {
            throw .addressNotAvailable
        }
        let options = BindOptions(reuseAddress: slots[i].reuseAddress)
        var port = endpoint.port
        if port == 0, slots[i].rareState != nil, slots[i].localPorts.bindAddressNoPort {
            // IP_BIND_ADDRESS_NO_PORT (Linux `inet_bind`): the address only; connect() or listen() takes a port.
            slots[i].local = Endpoint(endpoint.address, 0)
            return
        }
        if port == 0 { port = try allocateBindPort(local: endpoint.address, options: options) }
        let local = Endpoint(endpoint.address, port)
        slots[i].bindID = try bindTable.bind(local, options: options)
        slots[i].local = local
        slots[i].boundEndpoint = local
        slots[i].explicitlyBound = true
    }

    /// RFC 9293 §3.10.1 passive OPEN.
    public mutating func listen(_ id: SocketID, backlog: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard slots[i].state == .closed, slots[i].remote == nil else { throw .invalidArgument }
        if let address = slots[i].local?.address, slots[i].bindID == nil {
            // Bound with IP_BIND_ADDRESS_NO_PORT: listen() takes the port bind() left (`inet_csk_listen_start`).
            slots[i].local = nil
            slots[i].localPorts.bindAddressNoPort = false
            try bind(id, to: Endpoint(address, 0))
        }
        if slots[i].local == nil {
            let any = addresses.first?.isIPv6 == true ? IPAddress.v6(.any) : .v4(.any)
            try bind(id, to: Endpoint(any, 0))
        }
        guard let local = slots[i].local, let bindID = slots[i].bindID else { throw .invalidArgument }
        try bindTable.listen(bindID)
        slots[i].backlog = max(backlog, 0)
        listeners[local] = i
        slots[i].setState(.listen, cause: .user(.listen), rfc: "RFC 9293 §3.10.1", linux: "inet_csk_listen_start",
            now: .zero, config: configuration, out: &out)
    }

    /// RFC 9293 §3.10.1 active OPEN: sends the SYN. Completion arrives as `.connected` or `.refused`.
    public mutating func connect(_ id: SocketID, to remote: Endpoint, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        switch slots[i].state {
        case .closed: break
        case .listen where configuration.activeOpenFromListen:
            // RFC 9293 §3.10.1 OPEN in LISTEN with a foreign socket: the connection becomes active.
            closeListener(i, now: now, cause: .user(.connect), toClosed: false)
            if let b = slots[i].bindID, let bound = slots[i].boundEndpoint {
                bindTable.release(b)
                slots[i].bindID = try bindTable.bind(bound, options: BindOptions(reuseAddress: slots[i].reuseAddress))
            }
        case .synSent, .synReceived: throw .alreadyInProgress
        default: throw .alreadyConnected
        }
        guard remote.port != 0 else { throw .invalidArgument }
        let boundLocal = slots[i].local
        let reuseAddress = slots[i].reuseAddress
        let explicitlyBound = slots[i].explicitlyBound
        let boundEndpoint = slots[i].boundEndpoint
        let oldState = slots[i].state
        let sourceAddress: IPAddress
        if let bound = boundLocal, !isAny(bound.address) {
            sourceAddress = bound.address
        } else {
            sourceAddress = try chooseSource(for: remote.address)
        }
        guard sourceAddress.isIPv6 == remote.address.isIPv6 else { throw .invalidArgument }
        let port: UInt16
        var bindID = slots[i].bindID
        var legacy: TimeWaitLegacy?
        if let bound = boundLocal, let id = bindID {
            port = bound.port
            try applyConnectTimeRefusal(local: Endpoint(sourceAddress, port), remote: remote)
            let tuple = FourTuple(local: Endpoint(sourceAddress, port), remote: remote)
            if connections.index(of: tuple, in: slots) != nil {
                // Linux `__inet_check_established`: only a TIME-WAIT that `tcp_twsk_unique` lets go.
                guard let tw = reusableTimeWait(on: tuple, portBound: true, now: now) else { throw .addressNotAvailable }
                legacy = takeOverTimeWait(tw, now: now)
            }
            try bindTable.connect(id, to: remote)
        } else {
            // The TIME-WAIT to take over, when the port came free that way (HostStack+TimeWaitReuse.swift).
            let timeWait: Int?
            if slots[i].rareState != nil, let own = try connectPortInSocketRange(i, local: sourceAddress, remote: remote, now: now) {
                port = own
                timeWait = reusableTimeWait(on: FourTuple(local: Endpoint(sourceAddress, port), remote: remote),
                                            portBound: false, now: now)
            } else {
                let chosen = try allocateConnectPort(local: sourceAddress, remote: remote, now: now)
                port = chosen.port
                timeWait = chosen.timeWait
            }
            try applyConnectTimeRefusal(local: Endpoint(sourceAddress, port), remote: remote)
            if let timeWait { legacy = takeOverTimeWait(timeWait, now: now) }
            bindID = try bindTable.autobind(
                Endpoint(sourceAddress, port), to: remote, options: BindOptions(reuseAddress: reuseAddress))
        }
        let local = Endpoint(sourceAddress, port)
        let iss = legacy?.iss
            ?? isnGenerator.isn(local: local, remote: remote, now: now, clockShift: configuration.isnClockShift)
        // Linux `tcp_twsk_unique`: a taken-over TIME-WAIT hands on TS.Recent (the SYN echoes it); else none.
        let inheritedTS = legacy?.ts ?? TimestampState()
        let userMSS = slots[i].userMSS
        let receiveBufferSize = slots[i].receiveBufferSize
        let sendBufferSize = slots[i].sendBufferSize
        let noDelay = slots[i].noDelay
        let congestionAlgorithm = slots[i].congestionAlgorithm
        var keepalive = slots[i].keepalive
        keepalive.deadline = nil
        // Rare-state options survive a reconnect; a socket without a rare state has none (the connect path is hot).
        let ipHeader = slots[i].rareState == nil ? nil : slots[i].ipHeader
        let userTimeout = UserTimeout(timeout: slots[i].userTimeout.timeout)
        // Fast Open state lives in the rare state; a socket without one skips it (the connect path is hot).
        let fastOpen = slots[i].rareState == nil ? nil : fastOpenAtConnect(slots[i].fastOpen, remote: remote.address)
        let mss = min(configuration.mss(ipv6: remote.address.isIPv6), userMSS ?? .max)
        let window = configuration.initialReceiveWindow(mss: mss, receiveBuffer: receiveBufferSize)
        let tsOffset = configuration.randomTimestampOffset ? timestampOffset(local.address, remote.address) : 0
        let rtt = initialRTT, rtoNanoseconds = initialRTONanoseconds, config = configuration
        let linux = remote.address.isIPv6 ? "tcp_v6_connect" : "tcp_v4_connect"
        // A fresh TCB, filled through one in-place access (the table entry is mutated, not copied, and not
        // looked up again per field); socket() just made one unless this socket connected before.
        func fill(_ c: inout Connection, _ out: inout EngineOutput) {
            if c.hasConnected { c = Connection(id: id) }
            c.hasConnected = true
            c.state = oldState
            c.reuseAddress = reuseAddress
            c.userMSS = userMSS
            c.receiveBufferSize = receiveBufferSize
            c.sendBufferSize = sendBufferSize
            c.noDelay = noDelay
            c.congestionAlgorithm = congestionAlgorithm
            c.keepalive = keepalive
            if let ipHeader { c.ipHeader = ipHeader }
            c.userTimeout = userTimeout
            c.explicitlyBound = explicitlyBound
            c.boundEndpoint = boundEndpoint
            c.bindID = bindID
            c.local = local
            c.remote = remote
            c.snd.start(iss: iss)
            c.ourMSS = mss
            c.receiveCapacity = window
            c.rcvWndAdvertised = window
            c.delack.linuxWindow = config.linuxReceiveWindow
            c.ts.offset = tsOffset
            c.ts.recent = inheritedTS.recent
            c.ts.recentStamp = inheritedTS.recentStamp
            c.rtt = rtt
            c.inConnectionTable = true
            // RFC 3168 §6.1.1: tcp_ecn = 1 asks for ECN in the SYN.
            c.ecn = config.ecn == .request ? config.ecnAgreedFlags : []
            // A listener turned active (RFC 9293 OPEN in LISTEN) leaves its counters where the chronograph lives.
            c.backlogValue = 0
            c.pendingChildrenValue = 0
            if let fastOpen { c.fastOpen = fastOpen }
            c.setState(.synSent, cause: .user(.connect), rfc: "RFC 9293 §3.10.1", linux: linux, now: now,
                config: config, out: &out)
            // FreeBSD tcp_connect: TT_KEEP runs for TP_KEEPINIT while the open is pending.
            if let limit = c.rareState == nil ? config.connectTimeout : c.connectTimeout(config) {
                c.keepalive.deadline = now + limit
            }
            // Linux tcp_fastopen_defer_connect: with a cookie cached, the SYN waits for the first write.
            if fastOpen?.deferred == true { return }
            c.sendSyn(now: now, config: config, out: &out)
            c.timeSegment(endingAt: iss + 1, now: now)
            // RFC 6298 §5.1: the timer starts with the initial RTO (`c.rto` of the fresh estimator, precomputed).
            c.retransmitDeadline = Instant(nanoseconds: now.nanoseconds + rtoNanoseconds)
        }
        connections.insert(FourTuple(local: local, remote: remote), index: i)
        fill(&slots[i], &out)
    }

    // The allocator runs in place: copying it would duplicate Linux 6's 2^16-entry perturbation table on every
    // call. On exhaustion its probe counters stay advanced (as RFC 6056's global counters do); the random
    // generator still advances only on success. The closure reads snapshots of the tables (shared storage,
    // unchanged during the scan) that end with these functions, before the caller mutates the tables again.

    /// The port for an unbound connect(), and the TIME-WAIT slot that holds its 4-tuple if it is free only because
    /// connect() may take that TIME-WAIT over.
    mutating func allocateConnectPort(
        local: IPAddress, remote: Endpoint, now: Instant
    ) throws(SocketError) -> (port: UInt16, timeWait: Int?) {
        let table = bindTable, demux = connections, sockets = slots
        var rng = random
        guard Self.timeWaitTakeoverPossible(configuration, local: local, remote: remote.address) else {
            let port = try portAllocator.connectPort(
                local: local, remote: remote,
                isUsable: {
                    table.isUsableForConnect(port: $0, local: local, remote: remote)
                        && (demux.isEmpty || demux.index(of: FourTuple(local: Endpoint(local, $0), remote: remote), in: sockets) == nil)
                }, random: &rng)
            random = rng
            return (port, nil)
        }
        let config = configuration
        var takeOver: (port: UInt16, slot: Int)?
        let port = try portAllocator.connectPort(
            local: local, remote: remote,
            isUsable: {
                if table.isUsableForConnect(port: $0, local: local, remote: remote)
                    && (demux.isEmpty || demux.index(of: FourTuple(local: Endpoint(local, $0), remote: remote), in: sockets) == nil) {
                    return true
                }
                // Linux `__inet_check_established` with `twp`: a TIME-WAIT `tcp_twsk_unique` lets go is usable.
                guard !demux.isEmpty,
                      let tw = demux.index(of: FourTuple(local: Endpoint(local, $0), remote: remote), in: sockets),
                      Self.timeWaitReusable(sockets[tw], portBound: false, config: config, now: now),
                      table.isUsableForConnect(port: $0, local: local, remote: remote, ignoringTimeWait: true)
                else { return false }
                takeOver = ($0, tw)
                return true
            }, random: &rng)
        random = rng
        return (port, takeOver.flatMap { $0.port == port ? $0.slot : nil })
    }

    mutating func allocateBindPort(local: IPAddress, options: BindOptions) throws(SocketError) -> UInt16 {
        let table = bindTable
        var rng = random
        let port = try portAllocator.bindPort(
            local: local, isUsable: { table.canBind(Endpoint(local, $0), options: options) }, random: &rng)
        random = rng
        return port
    }

    /// XNU's connect() refusal, the one documented exception to the project rule that self-connect must
    /// emerge from the state machine's general rules and that no endpoint comparison may steer the state
    /// machine. It is a socket-API check, made here once the source port is chosen and before any segment is
    /// sent; segment processing never compares endpoints. XNU `tcp_connect` (bsd/netinet/tcp_usrreq.c) returns
    /// EINVAL when the IPv4 local address and port equal the remote ones; `tcp6_connect` has no such check.
    /// XNU has already bound the port (`in_pcbbind`) and keeps it until close; here the socket stays unbound,
    /// which differs only if the caller calls connect() again on the same socket.
    private func applyConnectTimeRefusal(local: Endpoint, remote: Endpoint) throws(SocketError) {
        if configuration.refusesIPv4SelfConnect, !remote.address.isIPv6, local == remote {
            throw .invalidArgument
        }
    }

    /// The timestamp offset of an address pair, remembering the last pair (it depends on nothing else).
    mutating func timestampOffset(_ local: IPAddress, _ remote: IPAddress) -> UInt32 {
        if let last = lastTimestampOffset, last.local == local, last.remote == remote { return last.offset }
        let offset = isnGenerator.timestampOffset(local: local, remote: remote)
        lastTimestampOffset = (local, remote, offset)
        return offset
    }

    /// The next established connection of a listener, or EAGAIN.
    public mutating func accept(_ id: SocketID) throws(SocketError) -> SocketID {
        let i = try openSlot(id)
        guard slots[i].state == .listen else { throw .invalidArgument }
        guard !slots[i].acceptQueue.isEmpty else { throw .wouldBlock }
        let child = slots[i].acceptQueue.removeFirst()
        slots[child.rawValue].descriptorOpen = true
        slots[child.rawValue].parent = nil
        return child
    }

    /// RFC 9293 §3.10.2 SEND: queues bytes (up to the send buffer) and sends what the window allows.
    /// Returns how many bytes were taken. `flags`: MSG_MORE and MSG_EOR, as Linux's send queue keeps them
    /// (`TCPConfiguration.linuxSendMarks`; ignored without it).
    public mutating func send(_ id: SocketID, _ bytes: [UInt8], flags: SendFlags = [], now: Instant) throws(SocketError)
        -> Int
    {
        let i = try openSlot(id)
        let state = slots[i].state, finQueued = slots[i].finQueued
        switch state {
        case .closed:
            throw slots[i].pendingError ?? .notConnected
        case .listen:
            throw .notConnected
        case .synSent, .synReceived:
            // RFC 9293 §3.10.2: queued in SYN-SENT/SYN-RECEIVED until ESTABLISHED. Linux waits for ESTABLISHED
            // instead (tcp_sendmsg -> sk_stream_wait_connect; EAGAIN when non-blocking).
            guard configuration.queueSendBeforeEstablished else { throw .wouldBlock }
            guard !finQueued else { throw .brokenPipe }
        case .established, .closeWait:
            guard !finQueued else { throw .brokenPipe }
        default:
            // RFC 9293 §3.10.2: "connection closing".
            throw .brokenPipe
        }
        let start = slots[i].dataEnd
        let taken: Int
        if configuration.linuxSkbSendQueue {
            taken = try queueInSkbs(slot: i, bytes, now: now)
        } else {
            let room = (slots[i].sendBufferSize.map { $0 / 2 } ?? configuration.sendBufferSize) - slots[i].sendBuffer.count
            guard room > 0 else {
                slots[i].waitingForSendSpace = true  // Linux sk_stream_wait_memory: SOCK_NOSPACE
                throw .wouldBlock
            }
            // TCP_NOTSENT_LOWAT (Linux `tcp_stream_memory_free`), tested once per call.
            if slots[i].unsentBytes >= notSentLowWater(slot: i) {
                slots[i].waitingForSendSpace = true
                throw .wouldBlock
            }
            taken = min(room, bytes.count)
            slots[i].sendBuffer.append(bytes[0..<taken])
        }
        // Linux tcp_add_write_queue_tail: queued data starts the busy chronograph; a short write sets SOCK_NOSPACE.
        slots[i].chronoStart(.busy, now: now)
        if taken < bytes.count { slots[i].waitingForSendSpace = true }
        if slots[i].rareState != nil { slots[i].markTimestampedWrite() }
        // A short write (the buffer filled) pushes without MSG_MORE's cork before it waits, and ends no record:
        // MSG_EOR marks the skb only once all the data is in (Linux wait_for_space, `if (!msg_data_left(msg))`).
        let corked = configuration.linuxSendMarks
            && slots[i].queued(from: start, flags: taken < bytes.count ? flags.subtracting([.more, .endOfRecord]) : flags)
        slots[i].transmit(now: now, config: configuration, corked: corked, out: &out)
        return taken
    }

    /// RFC 9293 §3.10.3 RECEIVE: up to `maxBytes` bytes; empty at end of stream; EAGAIN when nothing is there yet.
    public mutating func receive(_ id: SocketID, maxBytes: Int = .max, now: Instant) throws(SocketError) -> [UInt8] {
        let i = try openSlot(id)
        let limit = slots[i].rareState == nil ? maxBytes : slots[i].urgentReadLimit(maxBytes)
        // The slot is read in place, never copied: a copy would share the ring and make the read below copy it.
        if !slots[i].receiveBuffer.isEmpty {
            let data = slots[i].receiveBuffer.read(limit)
            didRead(slot: i, copied: data.count, now: now)
            return data
        }
        try checkNothingToRead(slot: i)
        return []
    }

    /// shutdown(2): `.write` (or `.both`) queues a FIN after the data already sent; `.read` (or `.both`) discards
    /// unread data and whatever arrives later. Throws `notConnected` before connect().
    public mutating func shutdown(_ id: SocketID, _ how: ShutdownHow, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        guard slots[i].state.isSynchronized || slots[i].state == .synSent else { throw .notConnected }
        if how != .write {
            slots[i].readShutdown = true
            slots[i].receiveBuffer.removeAll()
        }
        if how != .read { closeSendSide(i, cause: .user(.shutdown), now: now) }
    }

    /// RFC 9293 §3.10.4 CLOSE: releases the descriptor; the connection finishes on its own.
    public mutating func close(_ id: SocketID, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        if slots[i].state == .listen {
            closeListener(i, now: now, cause: .user(.close), toClosed: true)
        } else if configuration.resetOnCloseWithUnreadData && !slots[i].receiveBuffer.isEmpty
            && slots[i].state.isSynchronized && slots[i].state != .timeWait
        {
            // RFC 2525 §2.17 / Linux tcp_close: unread data is lost, so tell the peer with a RST, not a FIN.
            slots[i].sendActiveReset(now: now, out: &out)
            slots[i].setState(.closed, cause: .user(.close), rfc: "RFC 2525 §2.17", linux: "tcp_close", now: now,
                config: configuration, out: &out)
        } else {
            closeSendSide(i, cause: .user(.close), now: now)
        }
        slots[i].descriptorOpen = false
        if slots[i].state == .closed { connectionClosed(i) }
    }

    /// RFC 9293 §3.10.5 ABORT: a RST in synchronized states, then CLOSED at once.
    public mutating func abort(_ id: SocketID, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        switch slots[i].state {
        case .listen:
            closeListener(i, now: now, cause: .user(.abort), toClosed: true)
        case .closed:
            break
        case .synSent, .timeWait:
            // RFC 9293 §3.10.5: SYN-SENT (and TIME-WAIT): no RST, just delete the TCB.
            slots[i].setState(.closed, cause: .user(.abort), rfc: "RFC 9293 §3.10.5", linux: "tcp_disconnect",
                now: now, config: configuration, out: &out)
        default:
            // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST> (Linux tcp_send_active_reset sends it with ACK, the
            // window and the timestamp option).
            slots[i].sendActiveReset(now: now, out: &out)
            slots[i].setState(.closed, cause: .user(.abort), rfc: "RFC 9293 §3.10.5", linux: "tcp_disconnect",
                now: now, config: configuration, out: &out)
        }
        slots[i].descriptorOpen = false
        connectionClosed(i)
    }

    // MARK: inputs

    /// SEGMENT ARRIVES (RFC 9293 §3.10.7): demultiplexes by 4-tuple, then listener, else answers with a RST.
    public mutating func receive(_ packet: IPPacket, now: Instant) {
        let local = packet.destination
        guard addresses.contains(local.address) else { return }
        // FreeBSD tcp_input, drop_synfin: SYN+FIN is dropped before any state sees it.
        if configuration.dropSynFin && packet.tcp.flags.contains(.syn) && packet.tcp.flags.contains(.fin) { return }
        if !connections.isEmpty, let i = connections.index(of: FourTuple(local: local, remote: packet.source), in: slots) {
            if slots[i].ecnFlagsValue != 0 { slots[i].ecnSegmentArrives(packet) }  // RFC 3168 §6.1.3
            let outcome = slots[i].segmentArrives(packet.tcp, now: now, config: configuration, out: &out)
            switch outcome {
            case .none:
                break
            case .established:
                childEstablished(i)
            case .reopen:
                reopenTimeWait(i, packet: packet, now: now)
                return
            }
            if slots[i].rareState != nil { learnFastOpenCookie(i) }
            switch slots[i].state {
            case .closed: connectionClosed(i)
            case .timeWait: if let b = slots[i].bindID { bindTable.enterTimeWait(b) }
            default: break
            }
            return
        }
        if !listeners.isEmpty, let l = listener(for: local) {
            listenArrives(l, packet: packet, iss: nil, now: now)
            return
        }
        resetForNoConnection(packet)
    }
}
