import TCPWire

/// Two Linux IP-level socket options about a socket's own source port (net/ipv4/ip_sockglue.c).
public struct LocalPortOptions: Hashable, Sendable {
    /// IP_BIND_ADDRESS_NO_PORT: bind() to port 0 fixes the address only; connect() picks the port
    /// (Linux `inet_bind`: no `get_port` while `bind_address_no_port`).
    public var bindAddressNoPort = false
    /// IP_LOCAL_PORT_RANGE as set: `lo | hi << 16`; 0 in either half means the host's bound there.
    public var range: UInt32 = 0

    /// Both off.
    public init() {}

    /// The range connect() draws from (`inet_sk_get_local_port_range`): each of the socket's bounds replaces the
    /// host's when it lies within the host's range; nil when the socket set none.
    public func effectiveRange(host: PortRange) -> PortRange? {
        guard range != 0 else { return nil }
        let lo = UInt16(truncatingIfNeeded: range), hi = UInt16(truncatingIfNeeded: range >> 16)
        let low = host.contains(lo) ? lo : host.lower
        let high = host.contains(hi) ? hi : host.upper
        return try? PortRange(lower: low, upper: max(low, high))
    }
}

extension HostStack {
    /// IP_BIND_ADDRESS_NO_PORT.
    public mutating func setBindAddressNoPort(_ id: SocketID, _ on: Bool) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].localPorts.bindAddressNoPort = on
    }

    /// IP_LOCAL_PORT_RANGE: `lo | hi << 16`; EINVAL when both halves are set and `lo > hi` (Linux
    /// `do_ip_setsockopt`).
    public mutating func setLocalPortRange(_ id: SocketID, _ value: UInt32) throws(SocketError) {
        let i = try openSlot(id)
        let lo = value & 0xffff, hi = value >> 16
        guard lo == 0 || hi == 0 || lo <= hi else { throw .invalidArgument }
        slots[i].localPorts.range = value
    }

    /// The socket's IP-level port options as getsockopt reports them.
    public func localPortOptions(of id: SocketID) -> LocalPortOptions? { slot(id).map(\.localPorts) }

    /// An unbound connect()'s port when the socket set IP_LOCAL_PORT_RANGE, else nil (the host's allocator
    /// decides). Linux 6.8+ `__inet_hash_connect` scans a socket's own range by 1, not by parity, from an offset
    /// of the keyed hash; this scan starts at a random offset instead.
    mutating func connectPortInSocketRange(
        _ i: Int, local: IPAddress, remote: Endpoint, now: Instant
    ) throws(SocketError) -> UInt16? {
        guard slots[i].rareState != nil, slots[i].localPorts.range != 0 else { return nil }
        let table = bindTable, demux = connections, sockets = slots, config = configuration
        func isUsable(_ port: UInt16) -> Bool {
            let tuple = FourTuple(local: Endpoint(local, port), remote: remote)
            guard let held = demux.index(of: tuple, in: sockets) else {
                return table.isUsableForConnect(port: port, local: local, remote: remote)
            }
            // A TIME-WAIT connect() may take over (HostStack+TimeWaitReuse.swift).
            return Self.timeWaitReusable(sockets[held], portBound: false, config: config, now: now)
                && table.isUsableForConnect(port: port, local: local, remote: remote, ignoringTimeWait: true)
        }
        let host = portAllocator.ephemeralRange ?? .linuxDefault
        guard let range = slots[i].localPorts.effectiveRange(host: host) else { return nil }
        let count = range.count
        let start = Int(random.next() % UInt64(count))
        for k in 0..<count {
            let port = UInt16(Int(range.lower) + (start + k) % count)
            if isUsable(port) { return port }
        }
        throw .addressNotAvailable
    }
}
