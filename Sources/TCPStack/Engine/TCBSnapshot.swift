import TCPWire

/// A read-only copy of one socket's transmission control block: the RFC 9293 §3.3.1 variables a reader of the
/// RFC follows (state, SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND, ISS, IRS) and the timers armed
/// (RFC 9293 §3.10.8). A value: taking one changes nothing, so a driver may take them between any two calls.
public struct TCBSnapshot: Hashable, Sendable {
    /// A timer that is running, and when it fires.
    public struct ArmedTimer: Hashable, Sendable {
        /// Which of the RFC 9293 §3.10.8 timers (and Linux's delayed-ACK and keep-alive timers) it is.
        public enum Kind: String, Hashable, Sendable {
            case retransmission, timeWait = "time-wait", persist, delayedAck = "delayed-ack", keepalive
            case userTimeout = "user-timeout"
        }
        /// Which timer.
        public var kind: Kind
        /// When it fires, on the host clock.
        public var deadline: Instant
    }

    /// The socket the TCB belongs to.
    public var socket: SocketID
    /// The local endpoint, once bound.
    public var local: Endpoint?
    /// The remote endpoint, once connected.
    public var remote: Endpoint?
    /// The RFC 9293 state.
    public var state: TCPState
    /// ISS, the initial send sequence number.
    public var iss: UInt32
    /// SND.UNA: the oldest unacknowledged sequence number.
    public var sndUna: UInt32
    /// SND.NXT: the next sequence number to send.
    public var sndNxt: UInt32
    /// SND.WND in bytes (scaled).
    public var sndWnd: Int
    /// IRS, the peer's initial sequence number (0 before its SYN).
    public var irs: UInt32
    /// RCV.NXT: the next sequence number expected from the peer.
    public var rcvNxt: UInt32
    /// RCV.WND in bytes: what is left of the window last advertised.
    public var rcvWnd: Int
    /// Armed timers, earliest first.
    public var timers: [ArmedTimer]
}

extension Connection {
    /// This TCB's variables and armed timers, copied out.
    public var snapshot: TCBSnapshot {
        var timers: [TCBSnapshot.ArmedTimer] = []
        let armed: [(TCBSnapshot.ArmedTimer.Kind, Instant?)] = [
            (.retransmission, retransmitDeadline), (.timeWait, timeWaitDeadline), (.persist, persist.deadline),
            (.delayedAck, delack.deadline), (.keepalive, keepalive.deadline), (.userTimeout, userTimeout.deadline),
        ]
        for case let (kind, deadline?) in armed { timers.append(.init(kind: kind, deadline: deadline)) }
        timers.sort { $0.deadline < $1.deadline }
        return TCBSnapshot(
            socket: id, local: local, remote: remote, state: state, iss: iss.rawValue, sndUna: sndUna.rawValue,
            sndNxt: sndNxt.rawValue, sndWnd: sndWnd, irs: irs.rawValue, rcvNxt: rcvNxt.rawValue,
            rcvWnd: receiveWindow, timers: timers)
    }
}

extension HostStack {
    /// A snapshot of every socket in use, by descriptor.
    public func tcbSnapshots() -> [TCBSnapshot] {
        slots.indices.compactMap { slots[$0].inUse ? slots[$0].snapshot : nil }
    }
}
