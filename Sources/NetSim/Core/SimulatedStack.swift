import TCPStack
import TCPWire

/// The TCP states, under the names the three audiences use: RFC 9293 figure 5, Linux (`netstat`), and code.
public enum TCPStateName: String, CaseIterable, Hashable, Sendable {
    case closed, listen, synSent, synReceived, established
    case finWait1, finWait2, closeWait, closing, lastAck, timeWait

    /// As written in RFC 9293 figure 5.
    public var rfcName: String {
        switch self {
        case .closed: "CLOSED"
        case .listen: "LISTEN"
        case .synSent: "SYN-SENT"
        case .synReceived: "SYN-RECEIVED"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN-WAIT-1"
        case .finWait2: "FIN-WAIT-2"
        case .closeWait: "CLOSE-WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST-ACK"
        case .timeWait: "TIME-WAIT"
        }
    }

    /// As `netstat` and `ss` print it (net-tools' `tcp_state[]`).
    public var linuxName: String {
        switch self {
        case .closed: "CLOSE"
        case .listen: "LISTEN"
        case .synSent: "SYN_SENT"
        case .synReceived: "SYN_RECV"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN_WAIT1"
        case .finWait2: "FIN_WAIT2"
        case .closeWait: "CLOSE_WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST_ACK"
        case .timeWait: "TIME_WAIT"
        }
    }

    /// Finds a state from any of its spellings (`synReceived`, `SYN-RECEIVED`, `SYN_RECV`, ...).
    public init?(anyName: String) {
        let key = anyName.filter { $0.isLetter || $0.isNumber }.lowercased()
        let match = Self.allCases.first { s in
            [s.rawValue, s.rfcName, s.linuxName].contains { n in
                n.filter { $0.isLetter || $0.isNumber }.lowercased() == key
            }
        }
        guard let match else { return nil }
        self = match
    }
}

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
    public var from: TCPStateName
    public var to: TCPStateName
    /// The segment or call that caused it, e.g. `rcv SYN seq 1000` or `connect()`.
    public var cause: String
    /// e.g. `RFC 9293 §3.10.7.3`.
    public var rfc: String
    /// The Linux function that makes the same move, e.g. `tcp_rcv_synsent_state_process`.
    public var linux: String

    public init(
        time: Instant, host: String, socket: String, from: TCPStateName, to: TCPStateName,
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
    public var state: TCPStateName
    public var receiveQueue: Int
    public var sendQueue: Int

    public init(local: Endpoint, remote: Endpoint, state: TCPStateName, receiveQueue: Int = 0, sendQueue: Int = 0) {
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
    /// Packets produced since the last call, in order.
    mutating func drainPackets() -> [IPPacket]
    mutating func drainEvents() -> [AppEvent<Socket>]
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

    func localEndpoint(of socket: Socket) -> Endpoint?
    func state(of socket: Socket) -> TCPStateName?
    /// Every connection this stack holds (listeners included), for `netstat`.
    func connectionTable() -> [ConnectionRow]
}
