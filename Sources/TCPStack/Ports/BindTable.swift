import TCPWire

/// Socket options that decide whether two sockets may share a port.
public struct BindOptions: Hashable, Sendable {
    public var reuseAddress: Bool   // SO_REUSEADDR
    public var reusePort: Bool      // SO_REUSEPORT
    public var uid: UInt32          // SO_REUSEPORT sharing needs the same owner (or a TIME-WAIT peer)

    public init(reuseAddress: Bool = false, reusePort: Bool = false, uid: UInt32 = 0) {
        self.reuseAddress = reuseAddress
        self.reusePort = reusePort
        self.uid = uid
    }
}

/// Who holds local ports, and Linux's rules for sharing them: bind() conflicts (`inet_csk_bind_conflict`) and
/// which ports connect() may pick (`__inet_hash_connect` with `__inet_check_established`).
///
/// Simplifications, on purpose: no SO_BINDTODEVICE, no IPV6_V6ONLY (an IPv6 wildcard is dual-stack), and a
/// TIME-WAIT 4-tuple is never reused by connect() (Linux's `tcp_tw_reuse` can, one second after the last
/// timestamp; that needs a clock this table does not have).
public struct BindTable: Sendable {
    public typealias ID = Int

    public enum State: Hashable, Sendable {
        case bound        // bind() only
        case listening    // LISTEN
        case connected    // SYN-SENT through LAST-ACK: a 4-tuple is in use
        case timeWait     // TIME-WAIT: the 4-tuple stays in use, the socket is gone
    }

    public struct Holder: Hashable, Sendable {
        public var local: Endpoint
        public var remote: Endpoint?
        public var state: State
        /// bind() placed the port (Linux: the bind bucket has `fastreuse >= 0`), as opposed to connect()'s
        /// autobind. connect() never picks a port that bind() holds.
        public var explicitlyBound: Bool
        public var options: BindOptions
    }

    public private(set) var holders: [ID: Holder] = [:]
    private var nextID: ID = 1

    public init() {}

    /// bind(local): EADDRINUSE when a holder of the same port with an overlapping address conflicts.
    /// Port 0 is for the caller to resolve first (an allocator's `bindPort` with `canBind` as `isUsable`).
    public mutating func bind(_ local: Endpoint, options: BindOptions = BindOptions()) throws(SocketError) -> ID {
        guard canBind(local, options: options, excluding: nil) else { throw .addressInUse }
        return insert(Holder(local: local, remote: nil, state: .bound, explicitlyBound: true, options: options))
    }

    /// listen(): Linux checks the port again with the socket already in LISTEN (`inet_csk_listen_start`).
    public mutating func listen(_ id: ID) throws(SocketError) {
        guard var h = holders[id], h.state == .bound else { throw .invalidArgument }
        guard canBind(h.local, options: h.options, excluding: id) else { throw .addressInUse }
        h.state = .listening
        holders[id] = h
    }

    /// connect() of a socket that already holds a port (bound): the 4-tuple must be unique, else EADDRNOTAVAIL.
    public mutating func connect(_ id: ID, to remote: Endpoint) throws(SocketError) {
        guard var h = holders[id], h.state == .bound else { throw .invalidArgument }
        guard isFourTupleFree(local: h.local, remote: remote) else { throw .addressNotAvailable }
        h.remote = remote
        h.state = .connected
        holders[id] = h
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
        guard var h = holders[id], h.remote != nil else { return }
        h.state = .timeWait
        holders[id] = h
    }

    /// The socket (or its TIME-WAIT) is gone; an RST-refused connect() releases its port this way at once.
    public mutating func release(_ id: ID) {
        holders[id] = nil
    }

    /// Would bind(local) succeed?
    public func canBind(_ local: Endpoint, options: BindOptions = BindOptions()) -> Bool {
        canBind(local, options: options, excluding: nil)
    }

    /// The allocator's question for connect(): a port held by bind() (or a listener) is never used; a port held
    /// only by connect()ed sockets is used when the 4-tuple stays unique, TIME-WAIT included.
    public func isUsableForConnect(port: UInt16, local: IPAddress, remote: Endpoint) -> Bool {
        for h in holders.values where h.local.port == port {
            if h.explicitlyBound { return false }
            if h.local.address == local, h.remote == remote { return false }
        }
        return true
    }

    // MARK: - Linux rules

    private mutating func insert(_ h: Holder) -> ID {
        let id = nextID
        nextID += 1
        holders[id] = h
        return id
    }

    private func isFourTupleFree(local: Endpoint, remote: Endpoint) -> Bool {
        !holders.values.contains { $0.local == local && $0.remote == remote }
    }

    private func canBind(_ local: Endpoint, options: BindOptions, excluding: ID?) -> Bool {
        for (id, other) in holders where id != excluding && other.local.port == local.port {
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
