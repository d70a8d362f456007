import TCPWire

/// What ``DriveLoop`` needs from a host: its addresses, packets and time in, packets and events out. `HostStack`
/// is one; the simulator wraps each of its stacks in one.
public protocol DrivenHost {
    /// What the host tells its applications (``SocketEvent`` for `HostStack`).
    associatedtype Event

    /// The host's own addresses: a packet to one of them is delivered to this host.
    var addresses: [IPAddress] { get }
    /// A packet arrived for this host at `now`.
    mutating func receive(_ packet: IPPacket, now: Instant)
    /// Time passed: run the timers due by `now`.
    mutating func advance(to now: Instant)
    /// When ``advance(to:)`` must next be called, or nil when no timer runs.
    var nextDeadline: Instant? { get }
    /// Whether ``drainPackets(into:)`` would hand over anything (true is always a correct answer).
    var hasPendingPackets: Bool { get }
    /// Appends the packets produced since the last call, in order.
    mutating func drainPackets(into sink: inout [IPPacket])
    /// Whether ``drainEvents(into:)`` would hand over anything (true is always a correct answer).
    var hasPendingEvents: Bool { get }
    /// Appends the events produced since the last call, in order.
    mutating func drainEvents(into sink: inout [Event])
}

extension HostStack: DrivenHost {}
