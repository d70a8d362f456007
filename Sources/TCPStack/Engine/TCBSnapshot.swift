import TCPWire

/// A read-only copy of one socket's transmission control block: the RFC 9293 §3.3.1 variables a reader of the
/// RFC follows (state, SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND, ISS, IRS) and the timers armed
/// (RFC 9293 §3.10.8). A value: taking one changes nothing, so a driver may take them between any two calls.
public struct TCBSnapshot: Hashable, Sendable {
    /// A timer that is running, and when it fires.
    public struct ArmedTimer: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable {
            case retransmission, timeWait = "time-wait", persist, delayedAck = "delayed-ack", keepalive
            case userTimeout = "user-timeout"
        }
        public var kind: Kind
        public var deadline: Instant
    }

    public var socket: SocketID
    public var local: Endpoint?
    public var remote: Endpoint?
    public var state: TCPState
    public var iss: UInt32
    public var sndUna: UInt32
    public var sndNxt: UInt32
    /// SND.WND in bytes (scaled).
    public var sndWnd: Int
    public var irs: UInt32
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
