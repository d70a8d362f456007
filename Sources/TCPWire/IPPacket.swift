/// IPv4 header fields we keep (RFC 791). Total length and protocol are derived when emitting.
public struct IPv4Header: Hashable, Sendable {
    /// Type-of-service byte (DSCP and ECN bits), kept as read.
    public var tos: UInt8
    /// The IP identification field, used only for fragment reassembly; kept for exact re-emission.
    public var identification: UInt16
    /// Flags (DF = 0x4000) and fragment offset.
    public var flagsAndFragmentOffset: UInt16
    /// Time to live; 64 in packets the engine builds.
    public var ttl: UInt8
    /// As found on the wire, or as last filled by the emitter.
    public var headerChecksum: UInt16
    /// The sending host's address.
    public var source: IPv4Address
    /// The receiving host's address.
    public var destination: IPv4Address
    /// Raw IP options (IHL > 5); skipped by the parser but kept for exact re-emission. At most 40 bytes fit in
    /// a header; a longer array is cut to 40.
    public var options: [UInt8] {
        get { optionBytes.array }
        set { optionBytes = IPv4OptionBytes(newValue) }
    }
    /// The options, stored inline.
    var optionBytes: IPv4OptionBytes

    /// Builds a header with a stack's defaults (TTL 64, DF set, no options) unless told otherwise.
    public init(
        source: IPv4Address, destination: IPv4Address, tos: UInt8 = 0, identification: UInt16 = 0,
        flagsAndFragmentOffset: UInt16 = 0x4000, ttl: UInt8 = 64, headerChecksum: UInt16 = 0,
        options: [UInt8] = []
    ) {
        self.source = source
        self.destination = destination
        self.tos = tos
        self.identification = identification
        self.flagsAndFragmentOffset = flagsAndFragmentOffset
        self.ttl = ttl
        self.headerChecksum = headerChecksum
        optionBytes = options.isEmpty ? IPv4OptionBytes() : IPv4OptionBytes(options)
    }
}

extension IPv4Header {
    /// A header with the defaults a stack sends and the given raw options, without an options array.
    init(source: IPv4Address, destination: IPv4Address, optionBytes: IPv4OptionBytes) {
        self.source = source
        self.destination = destination
        tos = 0
        identification = 0
        flagsAndFragmentOffset = 0x4000
        ttl = 64
        headerChecksum = 0
        self.optionBytes = optionBytes
    }
}

/// IPv6 fixed header fields we keep (RFC 8200). Payload length and next header are derived.
public struct IPv6Header: Hashable, Sendable {
    /// The traffic-class byte (DSCP and ECN bits).
    public var trafficClass: UInt8
    /// The 20-bit flow label; zero in packets the engine builds.
    public var flowLabel: UInt32
    /// Hop limit, IPv6's TTL; 64 in packets the engine builds.
    public var hopLimit: UInt8
    /// The sending host's address.
    public var source: IPv6Address
    /// The receiving host's address.
    public var destination: IPv6Address

    /// Builds a header with a stack's defaults (hop limit 64, flow label 0) unless told otherwise.
    public init(
        source: IPv6Address, destination: IPv6Address, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0,
        hopLimit: UInt8 = 64
    ) {
        self.source = source
        self.destination = destination
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel
        self.hopLimit = hopLimit
    }
}

/// The IP header of a packet, of either family; the family decides how it is emitted and checksummed.
public enum IPHeader: Hashable, Sendable {
    /// An IPv4 header (RFC 791).
    case v4(IPv4Header)
    /// An IPv6 fixed header (RFC 8200), with no extension headers.
    case v6(IPv6Header)

    /// The source address, whatever the family.
    public var source: IPAddress {
        switch self {
        case .v4(let h): .v4(h.source)
        case .v6(let h): .v6(h.source)
        }
    }

    /// The destination address, whatever the family.
    public var destination: IPAddress {
        switch self {
        case .v4(let h): .v4(h.destination)
        case .v6(let h): .v6(h.destination)
        }
    }
}

/// A TCP segment inside its IP header: what the engine consumes and produces, and what goes on the wire.
public struct IPPacket: Hashable, Sendable {
    /// The IP header: family, addresses and the fields kept for exact re-emission.
    public var ip: IPHeader
    /// The TCP header and payload carried by the packet.
    public var tcp: TCPSegment

    /// Pairs a header with a segment as they are; nothing is derived or checked.
    @inlinable public init(ip: IPHeader, tcp: TCPSegment) {
        self.ip = ip
        self.tcp = tcp
    }

    /// A packet with default header fields (TTL/hop limit 64, DF on IPv4), as a stack sends it. Inlinable, so
    /// that the caller's segment moves into the packet instead of being copied and destroyed.
    @inlinable public init(from source: IPAddress, to destination: IPAddress, tcp: TCPSegment) {
        self.init(ip: IPHeader.sending(from: source, to: destination), tcp: tcp)
    }

    /// The sending endpoint: source address and source port.
    public var source: Endpoint { Endpoint(ip.source, tcp.sourcePort) }
    /// The receiving endpoint: destination address and destination port.
    public var destination: Endpoint { Endpoint(ip.destination, tcp.destinationPort) }
}

extension IPHeader {
    /// The header a stack sends from `source` to `destination`: default fields (TTL/hop limit 64, DF on IPv4).
    @usableFromInline static func sending(from source: IPAddress, to destination: IPAddress) -> IPHeader {
        switch (source, destination) {
        case (.v4(let s), .v4(let d)): .v4(IPv4Header(source: s, destination: d, optionBytes: IPv4OptionBytes()))
        case (.v6(let s), .v6(let d)): .v6(IPv6Header(source: s, destination: d))
        default: preconditionFailure("source and destination must be the same IP family")
        }
    }
}
