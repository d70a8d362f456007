import TCPWire

/// IP_TTL / IPV6_UNICAST_HOPS and IP_TOS / IPV6_TCLASS of a socket: the IP header fields every segment it sends
/// carries (RFC 1122 §4.2.4.2: the transport passes TTL and TOS down per connection; FreeBSD `inp_ip_ttl`,
/// `inp_ip_tos`, `in6p_hops`; Linux `inet->uc_ttl`, `inet->tos`). nil: the IP layer's default (TTL 64, TOS 0).
struct IPHeaderOptions: Hashable, Sendable {
    var hopLimit: UInt8?
    /// DSCP bits only: the ECN field stays TCP's (RFC 3168 §6.1.1; Linux `do_ip_setsockopt` keeps it too).
    var trafficClass: UInt8?

    var isDefault: Bool { hopLimit == nil && trafficClass == nil }

    /// Out of line: the send path only tests for a rare state and stays small.
    @inline(never)
    func stamp(_ packet: inout IPPacket) {
        if let hopLimit { packet.hopLimit = hopLimit }
        if let trafficClass { packet.trafficClass = trafficClass | (packet.trafficClass & 3) }
    }
}

extension Connection {
    /// Queues a segment with the socket's TTL and TOS written in; a socket without a rare state has neither, and
    /// its packet goes straight into the queue (no copy on the common path).
    @inline(__always) func appendStamped(_ packet: IPPacket, to out: inout EngineOutput) {
        if let box = rareState, !box.ipHeader.isDefault {
            var stamped = packet
            box.ipHeader.stamp(&stamped)
            out.packets.append(stamped)
        } else {
            out.packets.append(packet)
        }
    }
}

extension HostStack {
    /// IP_TTL / IPV6_UNICAST_HOPS: 1...255, or -1 for the default (FreeBSD `ip_ctloutput`/`ip6_pcbopt` refuse
    /// other values with EINVAL).
    public mutating func setHopLimit(_ id: SocketID, _ value: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard value == -1 || (1...255).contains(value) else { throw .invalidArgument }
        slots[i].ipHeader.hopLimit = value == -1 ? nil : UInt8(value)
    }

    /// IP_TOS / IPV6_TCLASS: 0...255, or -1 for the default; the two ECN bits are ignored.
    public mutating func setTrafficClass(_ id: SocketID, _ value: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard value == -1 || (0...255).contains(value) else { throw .invalidArgument }
        slots[i].ipHeader.trafficClass = value == -1 ? nil : UInt8(value) & ~3
    }

    /// The TTL or hop limit the socket sends with (64 unless set), as getsockopt reports it.
    public func hopLimit(of id: SocketID) -> Int? { slot(id).map { Int($0.ipHeader.hopLimit ?? 64) } }

    /// The TOS or traffic class the socket sends with (0 unless set), as getsockopt reports it.
    public func trafficClass(of id: SocketID) -> Int? { slot(id).map { Int($0.ipHeader.trafficClass ?? 0) } }
}
