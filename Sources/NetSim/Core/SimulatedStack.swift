import TCPStack
import TCPWire

/// What a stack tells the application about one of its sockets.
public enum AppEvent<Socket: Hashable & Sendable>: Hashable, Sendable {
    /// connect() completed.
    case connected(Socket)
    /// connect() or the connection failed (ECONNREFUSED, ETIMEDOUT, ECONNRESET, ...).
    case failed(Socket, SocketError)
    /// Bytes are waiting to be read.
    case readable(Socket)
    /// A listener has a connection to accept().
    case acceptable(Socket)
    /// The peer sent FIN: reads now return end of file.
    case peerClosed(Socket)

    /// The socket the event is about.
    public var socket: Socket {
        switch self {
        case .connected(let s), .failed(let s, _), .readable(let s), .acceptable(let s), .peerClosed(let s): s
        }
    }
}

/// One state change inside a stack, with its reason: the data behind `--explain` and the diagrams.
public struct TransitionRecord: Hashable, Sendable {
    /// When the transition happened, in virtual time.
    public var time: Instant
    /// The host whose stack made it.
    public var host: String
    /// How the socket is named in output, e.g. `127.0.0.1:50000`.
    public var socket: String
    /// The state the socket left.
    public var from: TCPState
    /// The state the socket entered.
    public var to: TCPState
    /// The segment or call that caused it, e.g. `rcv SYN seq 1000` or `connect()`.
    public var cause: String
    /// e.g. `RFC 9293 §3.10.7.3`.
    public var rfc: String
    /// The Linux function that makes the same move, e.g. `tcp_rcv_synsent_state_process`.
    public var linux: String

    /// A record of one transition with its cause and citations.
    public init(
        time: Instant, host: String, socket: String, from: TCPState, to: TCPState,
        cause: String, rfc: String, linux: String
    ) {
        self.time = time
        self.host = host
        self.socket = socket
        self.from = from
        self.to = to
        self.cause = cause
        self.rfc = rfc
        self.linux = linux
    }
}

/// One connection as `netstat -tn` lists it.
public struct ConnectionRow: Hashable, Sendable {
    /// The socket's own endpoint.
    public var local: Endpoint
    /// The peer's endpoint (the same as `local` for a self-connect).
    public var remote: Endpoint
    /// The connection's TCP state.
    public var state: TCPState
    /// Bytes received and not yet read (Recv-Q).
    public var receiveQueue: Int
    /// Bytes sent and not yet acknowledged (Send-Q).
    public var sendQueue: Int

    /// A row; the queues default to empty.
    public init(local: Endpoint, remote: Endpoint, state: TCPState, receiveQueue: Int = 0, sendQueue: Int = 0) {
        self.local = local
        self.remote = remote
        self.state = state
        self.receiveQueue = receiveQueue
        self.sendQueue = sendQueue
    }
}

/// The address family a socket is created in.
public enum AddressFamily: Hashable, Sendable {
    /// IPv4 (`AF_INET`) or IPv6 (`AF_INET6`).
    case inet, inet6
}

/// What the simulator needs from a host's TCP stack. It is the only door between the simulator core and an
/// engine: the engine is sans-IO (it never reads a clock or touches a device), and this adapter feeds it packets
/// and time, and drains what it produced.
public protocol SimulatedStack {
    /// A socket handle, like a file descriptor.
    associatedtype Socket: Hashable & Sendable

    // Wire side, driven by the simulator.
    /// A packet arrived for this host at `now`.
    mutating func receive(_ packet: IPPacket, now: Instant)
    /// Time passed: run the timers due by `now`.
    mutating func advance(now: Instant)
    /// When `advance` must next be called (a retransmission, TIME-WAIT, ...).
    var nextDeadline: Instant? { get }
    /// Appends the packets produced since the last call, in order (the caller reuses `sink` between calls).
    mutating func drainPackets(into sink: inout [IPPacket])
    /// Whether `drainPackets` / `drainEvents` would hand over anything: read-only checks that let the simulator
    /// skip the mutating calls when a step produced nothing (true is always a correct answer).
    var hasPendingPackets: Bool { get }
    var hasPendingEvents: Bool { get }
    /// Appends the application events produced since the last call, in order.
    mutating func drainEvents(into sink: inout [AppEvent<Socket>])
    /// State changes since the last call; the simulator stamps host and time if the stack leaves them empty.
    mutating func drainTransitions() -> [TransitionRecord]

    // Socket API, driven by applications.
    /// A new socket, as socket(2).
    mutating func socket(_ family: AddressFamily) throws(SocketError) -> Socket
    /// bind(2).
    mutating func bind(_ socket: Socket, to local: Endpoint) throws(SocketError)
    /// listen(2).
    mutating func listen(_ socket: Socket, backlog: Int) throws(SocketError)
    /// A non-blocking connect(2): the outcome comes later as an `AppEvent`.
    mutating func connect(_ socket: Socket, to remote: Endpoint, now: Instant) throws(SocketError)
    /// accept(2): the next connection waiting, or nil when none waits.
    mutating func accept(_ listener: Socket) throws(SocketError) -> Socket?
    /// Queues bytes; returns how many were taken.
    mutating func send(_ socket: Socket, _ bytes: [UInt8], now: Instant) throws(SocketError) -> Int
    /// Takes up to `maxBytes` received bytes; empty at end of file or when nothing is waiting.
    mutating func read(_ socket: Socket, maxBytes: Int, now: Instant) throws(SocketError) -> [UInt8]
    /// close(2): a FIN for a connected socket; the socket is gone for the application.
    mutating func close(_ socket: Socket, now: Instant)
    /// close() with SO_LINGER {on, 0}: a RST instead of a FIN, and the socket is gone.
    mutating func abort(_ socket: Socket, now: Instant)
    /// shutdown(SHUT_WR): a FIN; reading goes on.
    mutating func shutdownWrite(_ socket: Socket, now: Instant)

    /// The socket's local endpoint, once it has one.
    func localEndpoint(of socket: Socket) -> Endpoint?
    /// The socket's TCP state, or nil for a socket that is not open.
    func state(of socket: Socket) -> TCPState?
    /// Every connection this stack holds (listeners included), for `netstat`.
    func connectionTable() -> [ConnectionRow]
}

extension SimulatedStack {
    /// True: an adapter that cannot tell cheaply says there may be packets, and the simulator drains.
    public var hasPendingPackets: Bool { true }
    /// True: an adapter that cannot tell cheaply says there may be events, and the simulator drains.
    public var hasPendingEvents: Bool { true }
}
