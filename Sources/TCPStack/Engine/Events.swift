import TCPWire

/// A socket handle, like a file descriptor: the lowest free number is reused.
public struct SocketID: Hashable, Sendable, CustomStringConvertible {
    /// The descriptor number; the lowest free one is handed out first.
    public let rawValue: Int
    /// Wraps a descriptor number. Only numbers the host handed out name a socket.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    /// `#` and the number, as traces print a socket.
    public var description: String { "#\(rawValue)" }
}

/// What the user of a socket learns asynchronously (what poll/epoll and SO_ERROR would report).
public enum SocketEvent: Hashable, Sendable {
    /// connect() completed: the socket reached ESTABLISHED.
    case connected(SocketID)
    /// connect() failed with ECONNREFUSED (an acceptable RST in SYN-SENT).
    case refused(SocketID)
    /// connect() failed with EHOSTUNREACH (a hard ICMP error, TTL exceeded, in SYN-SENT).
    case unreachable(SocketID)
    /// Data (or end of stream) can be read.
    case readable(SocketID)
    /// The peer's FIN arrived: receive() returns end of stream once the buffer is drained.
    case peerClosed(SocketID)
    /// The connection was reset (ECONNRESET).
    case reset(SocketID)
    /// Retransmissions gave up (ETIMEDOUT).
    case timedOut(SocketID)
    /// The connection reached CLOSED after an orderly close.
    case closed(SocketID)
    /// A listener has a connection ready for accept().
    case acceptReady(listener: SocketID)
}

/// The timers of RFC 9293 §3.10.8.
public enum TimerKind: Hashable, Sendable {
    /// The retransmission, TIME-WAIT, zero-window probe, keep-alive and user timers.
    case retransmission, timeWait, persist, keepalive, userTimeout
}

/// The user calls of RFC 9293 §3.10.1-§3.10.6, as named in the socket API.
public enum UserCall: Hashable, Sendable {
    /// listen(), connect(), send(), receive(), shutdown(), close() and abort (close with SO_LINGER 0).
    case listen, connect, send, receive, shutdown, close, abort
}

/// What caused a state change.
public enum TransitionCause: Hashable, Sendable {
    /// A segment arrived.
    case segment(TCPSegment)
    /// A timer fired.
    case timer(TimerKind)
    /// The user called the socket API.
    case user(UserCall)
    /// An ICMP error about a segment we sent.
    case icmp(ICMPErrorKind)
}

/// A state change with the rule that made it (the simulator's explain mode prints these), or a self-loop
/// (`from == to`) when a rule answered a segment with an ACK without changing state (RFC 5961 challenge ACK,
/// RFC 9293 §3.10.7.4 duplicate ACK), so explain mode can cite that rule too.
public struct Transition: Hashable, Sendable {
    /// The socket that changed state.
    public let socket: SocketID
    /// The state the socket left.
    public let from: TCPState
    /// The state after; equal to `from` for a rule that only answered with an ACK.
    public let to: TCPState
    /// The segment, timer or user call that caused it.
    public let cause: TransitionCause
    /// The RFC section, e.g. "RFC 9293 §3.10.7.3".
    public let rfc: String
    /// The Linux function doing the same, e.g. "tcp_rcv_synsent_state_process".
    public let linux: String
}
