import TCPWire

/// An inclusive range of ports, like `net.ipv4.ip_local_port_range`.
public struct PortRange: Hashable, Sendable {
    /// The first port of the range.
    public let lower: UInt16
    /// The last port of the range, included.
    public let upper: UInt16

    /// Fails for an empty or inverted range, or one that includes port 0.
    public init(lower: UInt16, upper: UInt16) throws(SocketError) {
        guard lower >= 1, lower <= upper else { throw .invalidArgument }
        self.lower = lower
        self.upper = upper
    }

    /// Number of ports in the range.
    public var count: Int { Int(upper) - Int(lower) + 1 }
    /// True when `port` lies in the range, bounds included.
    public func contains(_ port: UInt16) -> Bool { port >= lower && port <= upper }
}

/// Chooses ephemeral ports the way one operating system does.
///
/// The host stack answers `isUsable(port)`: false when the port is held by bind() or a listener, or when
/// using it would duplicate the 4-tuple of an existing connection (TIME-WAIT included). Range and reserved
/// ports belong to the allocator's own configuration. Exhaustion throws `.addressNotAvailable`.
public protocol PortAllocator: Sendable {
    /// The port for an unbound connect() from `local` to `remote` (Linux `__inet_hash_connect`).
    mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16

    /// The port for bind() to port 0 (Linux `inet_csk_get_port` / `inet_csk_find_open_port`).
    mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16
}

extension PortAllocator {
    /// The host's ephemeral range (`net.ipv4.ip_local_port_range`) when the allocator has one, which a
    /// socket's own IP_LOCAL_PORT_RANGE is clipped to.
    public var ephemeralRange: PortRange? { (self as? any PortPolicyHolder)?.policy.range ?? (self as? SequentialPortAllocator)?.range }
}

/// An allocator configured by a ``PortPolicy``.
public protocol PortPolicyHolder {
    /// The range and reserved ports it picks from.
    var policy: PortPolicy { get }
}

extension Linux310PortAllocator: PortPolicyHolder {}
extension Linux46PortAllocator: PortPolicyHolder {}
extension Linux6PortAllocator: PortPolicyHolder {}
extension RFC6056Algorithm1: PortPolicyHolder {}
extension RFC6056Algorithm2: PortPolicyHolder {}
extension RFC6056Algorithm3: PortPolicyHolder {}
extension RFC6056Algorithm4: PortPolicyHolder {}
extension RFC6056Algorithm5: PortPolicyHolder {}
extension XNUPortAllocator: PortPolicyHolder {}
