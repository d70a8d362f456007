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

    public var socket: Socket {
        switch self {
        case .connected(let s), .failed(let s, _), .readable(let s), .acceptable(let s), .peerClosed(let s): s
        }
    }
}

/// One state change inside a stack, with its reason: the data behind `--explain` and the diagrams.
public struct TransitionRecord: Hashable, Sendable {
    public var time: Instant
    public var host: String
    /// How the socket is named in output, e.g. `127.0.0.1:50000`.
    public var socket: String
    public var from: TCPState
    public var to: TCPState
    /// The segment or call that caused it, e.g. `rcv SYN seq 1000` or `connect()`.
    public var cause: String
    /// e.g. `RFC 9293 §3.10.7.3`.
    public var rfc: String
    /// The Linux function that makes the same move, e.g. `tcp_rcv_synsent_state_process`.
    public var linux: String

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
    public var local: Endpoint
    public var remote: Endpoint
    public var state: TCPState
    public var receiveQueue: Int
    public var sendQueue: Int

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
    case inet, inet6
}

/// What the simulator needs from a host's TCP stack. It is the only door between the simulator core and an
/// engine: the engine is sans-IO (it never reads a clock or touches a device), and this adapter feeds it packets
/// and time, and drains what it produced.
public protocol SimulatedStack {
    associatedtype Socket: Hashable & Sendable

    // Wire side, driven by the simulator.
    mutating func receive(_ packet: IPPacket, now: Instant)
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
    mutating func socket(_ family: AddressFamily) throws(SocketError) -> Socket
    mutating func bind(_ socket: Socket, to local: Endpoint) throws(SocketError)
    mutating func listen(_ socket: Socket, backlog: Int) throws(SocketError)
    mutating func connect(_ socket: Socket, to remote: Endpoint, now: Instant) throws(SocketError)
    mutating func accept(_ listener: Socket) throws(SocketError) -> Socket?
    /// Queues bytes; returns how many were taken.
    mutating func send(_ socket: Socket, _ bytes: [UInt8], now: Instant) throws(SocketError) -> Int
    /// Takes up to `maxBytes` received bytes; empty at end of file or when nothing is waiting.
    mutating func read(_ socket: Socket, maxBytes: Int, now: Instant) throws(SocketError) -> [UInt8]
    mutating func close(_ socket: Socket, now: Instant)
    /// close() with SO_LINGER {on, 0}: a RST instead of a FIN, and the socket is gone.
    mutating func abort(_ socket: Socket, now: Instant)
    /// shutdown(SHUT_WR): a FIN; reading goes on.
    mutating func shutdownWrite(_ socket: Socket, now: Instant)

    func localEndpoint(of socket: Socket) -> Endpoint?
    func state(of socket: Socket) -> TCPState?
    /// Every connection this stack holds (listeners included), for `netstat`.
    func connectionTable() -> [ConnectionRow]
    /// A read-only copy of every socket's TCB, for the step-by-step explainer (only asked for when it is on).
    func tcbSnapshots() -> [TCBSnapshot]
}

extension SimulatedStack {
    public func tcbSnapshots() -> [TCBSnapshot] { [] }
    public var hasPendingPackets: Bool { true }
    public var hasPendingEvents: Bool { true }
}
