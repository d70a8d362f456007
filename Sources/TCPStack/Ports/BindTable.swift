import TCPWire

/// Socket options that decide whether two sockets may share a port.
public struct BindOptions: Hashable, Sendable {
    /// SO_REUSEADDR: bind may share a port with sockets that are not listening (and with TIME-WAIT).
    public var reuseAddress: Bool   // SO_REUSEADDR
    /// SO_REUSEPORT: sockets of the same owner may all bind and listen on the port.
    public var reusePort: Bool      // SO_REUSEPORT
    /// The owner's user ID, compared for SO_REUSEPORT sharing.
    public var uid: UInt32          // SO_REUSEPORT sharing needs the same owner (or a TIME-WAIT peer)

    /// Options as set with setsockopt(2); all off by default.
    public init(reuseAddress: Bool = false, reusePort: Bool = false, uid: UInt32 = 0) {
        self.reuseAddress = reuseAddress
        self.reusePort = reusePort
        self.uid = uid
    }
}

/// Who holds local ports, and Linux's rules for sharing them: bind() conflicts (`inet_csk_bind_conflict`) and
/// which ports connect() may pick (`__inet_hash_connect` with `__inet_check_established`).
///
/// Simplifications, on purpose: no SO_BINDTODEVICE, no IPV6_V6ONLY (an IPv6 wildcard is dual-stack). Whether
/// connect() may take over a TIME-WAIT 4-tuple needs a clock and the connection's timestamps: the host stack
/// decides it (HostStack+TimeWaitReuse.swift) and asks with `ignoringTimeWait`.
public struct BindTable: Sendable {
    /// Names a holder; stale IDs never name a later one.
    public typealias ID = Int

    /// How a holder uses its port.
    public enum State: Hashable, Sendable {
        /// Bound by bind() only.
        case bound        // bind() only
        /// Listening.
        case listening    // LISTEN
        /// Connected, SYN-SENT through LAST-ACK: the 4-tuple is in use.
        case connected    // SYN-SENT through LAST-ACK: a 4-tuple is in use
        /// In TIME-WAIT: the 4-tuple stays in use after the socket is gone.
        case timeWait     // TIME-WAIT: the 4-tuple stays in use, the socket is gone
    }

    /// One socket's claim on a local port.
    public struct Holder: Hashable, Sendable {
        /// The local endpoint held; a wildcard address holds the port on every address.
        public var local: Endpoint
        /// The peer, once connected: the 4-tuple in use.
        public var remote: Endpoint?
        /// How the port is used.
        public var state: State
        /// bind() placed the port (Linux: the bind bucket has `fastreuse >= 0`), as opposed to connect()'s
        /// autobind. connect() never picks a port that bind() holds.
        public var explicitlyBound: Bool
        /// The sharing options the socket had when it took the port.
        public var options: BindOptions
    }

    /// Holders in reusable slots: connect() and close() touch one slot by index instead of hashing an ID.
    /// An ID is the slot index with the slot's generation above it, so a stale ID never names a later holder.
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []

    private struct Slot: Sendable {
        var generation = 0
        var holder: Holder?
    }

    /// An empty table: no port held.
    public init() {}

    /// Every current holder by ID.
    public var holders: [ID: Holder] {
        var all: [ID: Holder] = [:]
        for (i, slot) in slots.enumerated() {
            if let h = slot.holder { all[Self.id(slot: i, generation: slot.generation)] = h }
        }
        return all
    }

    private static func id(slot: Int, generation: Int) -> ID { generation << 32 | slot }

    /// The slot an ID names, when its holder is still there.
    private func slot(of id: ID) -> Int? {
        let i = id & 0xffff_ffff
        guard i < slots.count, slots[i].generation == id >> 32, slots[i].holder != nil else { return nil }
        return i
    }

    /// bind(local): EADDRINUSE when a holder of the same port with an overlapping address conflicts.
    /// Port 0 is for the caller to resolve first (an allocator's `bindPort` with `canBind` as `isUsable`).
    public mutating func bind(_ local: Endpoint, options: BindOptions = BindOptions()) throws(SocketError) -> ID {
        guard canBind(local, options: options, excluding: nil) else { throw .addressInUse }
        return insert(Holder(local: local, remote: nil, state: .bound, explicitlyBound: true, options: options))
    }

    /// listen(): Linux checks the port again with the socket already in LISTEN (`inet_csk_listen_start`).
    public mutating func listen(_ id: ID) throws(SocketError) {
        guard let i = slot(of: id), let h = slots[i].holder, h.state == .bound else { throw .invalidArgument }
        guard canBind(h.local, options: h.options, excluding: i) else { throw .addressInUse }
        slots[i].holder?.state = .listening
    }

    /// connect() of a socket that already holds a port (bound): the 4-tuple must be unique, else EADDRNOTAVAIL.
    public mutating func connect(_ id: ID, to remote: Endpoint) throws(SocketError) {
        guard let i = slot(of: id), let h = slots[i].holder, h.state == .bound else { throw .invalidArgument }
        guard isFourTupleFree(local: h.local, remote: remote) else { throw .addressNotAvailable }
        slots[i].holder?.remote = remote
        slots[i].holder?.state = .connected
    }

    /// Records an unbound connect() that took `local.port` (chosen with `isUsableForConnect`).
    public mutating func autobind(
        _ local: Endpoint, to remote: Endpoint, options: BindOptions = BindOptions()
    ) throws(SocketError) -> ID {
        guard isUsableForConnect(port: local.port, local: local.address, remote: remote) else {
            throw .addressNotAvailable
        }
        return insert(Holder(local: local, remote: remote, state: .connected, explicitlyBound: false,
                             options: options))
    }

    /// A connected socket closed through TIME-WAIT: it keeps its port and 4-tuple until `release`.
    public mutating func enterTimeWait(_ id: ID) {
        guard let i = slot(of: id), slots[i].holder?.remote != nil else { return }
        slots[i].holder?.state = .timeWait
    }

    /// The socket (or its TIME-WAIT) is gone; an RST-refused connect() releases its port this way at once.
    public mutating func release(_ id: ID) {
        guard let i = slot(of: id) else { return }
        slots[i].holder = nil
        slots[i].generation = (slots[i].generation + 1) & 0x7fff_ffff
        freeSlots.append(i)
    }

    /// Would bind(local) succeed?
    public func canBind(_ local: Endpoint, options: BindOptions = BindOptions()) -> Bool {
        canBind(local, options: options, excluding: nil)
    }

    /// The allocator's question for connect(): a port held by bind() (or a listener) is never used; a port held
    /// only by connect()ed sockets is used when the 4-tuple stays unique, TIME-WAIT included.
    public func isUsableForConnect(port: UInt16, local: IPAddress, remote: Endpoint) -> Bool {
        for slot in slots {
            guard let h = slot.holder, h.local.port == port else { continue }
            if h.explicitlyBound { return false }
            if h.local.address == local, h.remote == remote { return false }
        }
        return true
    }

    /// The same, where a TIME-WAIT holder of the same 4-tuple does not count: connect() may take it over (Linux
    /// `tcp_twsk_unique`). A separate function keeps the common scan above as small as it was.
    public func isUsableForConnect(port: UInt16, local: IPAddress, remote: Endpoint, ignoringTimeWait: Bool) -> Bool {
        guard ignoringTimeWait else { return isUsableForConnect(port: port, local: local, remote: remote) }
        for slot in slots {
            guard let h = slot.holder, h.local.port == port else { continue }
            if h.explicitlyBound { return false }
            if h.local.address == local, h.remote == remote, h.state != .timeWait { return false }
        }
        return true
    }

    // MARK: - Linux rules

    private mutating func insert(_ h: Holder) -> ID {
        if !freeSlots.isEmpty {
            let i = freeSlots.removeLast()
            slots[i].holder = h
            return Self.id(slot: i, generation: slots[i].generation)
        }
        slots.append(Slot(holder: h))
        return Self.id(slot: slots.count - 1, generation: 0)
    }

    private func isFourTupleFree(local: Endpoint, remote: Endpoint) -> Bool {
        !slots.contains { $0.holder?.local == local && $0.holder?.remote == remote }
    }

    /// `excluding` is a slot index (the holder asking about itself).
    private func canBind(_ local: Endpoint, options: BindOptions, excluding: Int?) -> Bool {
        for (i, slot) in slots.enumerated() where i != excluding {
            guard let other = slot.holder, other.local.port == local.port else { continue }
            if Self.addressesOverlap(local.address, other.local.address),
               Self.conflicts(options, with: other) {
                return false
            }
        }
        return true
    }

    /// `inet_bind_conflict` as bind() and listen() call it (relax and reuseport_ok both true).
    static func conflicts(_ mine: BindOptions, with other: Holder) -> Bool {
        // SO_REUSEADDR on both sides shares the port unless the other socket is listening (Linux, not POSIX:
        // this is what lets a server rebind over TIME-WAIT, and never over a live listener).
        if mine.reuseAddress, other.options.reuseAddress, other.state != .listening { return false }
        // SO_REUSEPORT on both sides shares it with the same owner, or with anyone's TIME-WAIT.
        if mine.reusePort, other.options.reusePort, other.state == .timeWait || other.options.uid == mine.uid {
            return false
        }
        return true
    }

    /// Two local addresses clash when equal or when either is the wildcard (`inet_rcv_saddr_equal`); an IPv6
    /// wildcard is dual-stack and so clashes with IPv4 addresses too.
    static func addressesOverlap(_ a: IPAddress, _ b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): x == y || x == .any || y == .any
        case (.v6(let x), .v6(let y)): x == y || x == .any || y == .any
        case (.v6(let x), .v4), (.v4, .v6(let x)): x == .any
        }
    }
}
