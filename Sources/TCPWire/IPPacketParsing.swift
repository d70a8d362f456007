/// Parsing an IP packet carrying TCP: IPv4 (RFC 791) or the IPv6 fixed header (RFC 8200).
extension IPPacket {
    /// Whether an IPv6 next-header value is an extension header (RFC 8200 §4, IANA registry).
    static func isIPv6ExtensionHeader(_ next: UInt8) -> Bool {
        switch next {
        case 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254: true
        default: false
        }
    }

    /// Parses `bytes`, which must be exactly one IP packet (no link header, no trailing padding).
    /// With `verifyChecksums`, a wrong IPv4 header or TCP checksum throws `.badChecksum`.
    public init(parsing bytes: UnsafeRawBufferPointer, verifyChecksums: Bool = false) throws(WireError) {
        try self.init(parsing: bytes, verifyChecksums: verifyChecksums, lenientOptions: false)
    }

    /// Parses one IP packet held in `bytes` (exactly the packet). The TCP payload is a view into `bytes`' storage,
    /// not a copy; checksums are verified over the bytes in place.
    public init(parsing bytes: Payload, verifyChecksums: Bool = false) throws(WireError) {
        guard let storage = bytes.storage else {
            try self.init(parsing: UnsafeRawBufferPointer(start: nil, count: 0), verifyChecksums: verifyChecksums)
            return
        }
        if let raw = bytes.directBytes {
            // No Result to carry the packet out of a closure: `bytes` holds the storage meanwhile.
            try self.init(
                parsing: raw, verifyChecksums: verifyChecksums, lenientOptions: false,
                viewing: PayloadSource(storage: storage, base: raw.baseAddress!, lower: Int(bytes.lower)))
            return
        }
        let result: Result<IPPacket, WireError> = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in
                try IPPacket(
                    parsing: raw, verifyChecksums: verifyChecksums, lenientOptions: false,
                    viewing: PayloadSource(storage: storage, base: raw.baseAddress!, lower: Int(bytes.lower)))
            }
        }
        self = try result.get()
    }

    /// Parses the packet in the first `count` bytes of `frame` (a receive buffer its holder has filled); the TCP
    /// payload is a view into the frame, and a packet without data takes no reference to it.
    package init(parsing frame: PayloadBuffer, count: Int, verifyChecksums: Bool) throws(WireError) {
        let raw = UnsafeRawBufferPointer(start: frame.bytes, count: count)
        try self.init(
            parsing: raw, verifyChecksums: verifyChecksums, lenientOptions: false,
            viewing: PayloadSource(storage: frame, base: raw.baseAddress!, lower: 0))
    }

    /// Parses one IP packet held in `bytes`; the TCP payload is a view sharing the array's storage.
    public init(parsing bytes: [UInt8], verifyChecksums: Bool = false) throws(WireError) {
        try self.init(parsing: Payload(bytes), verifyChecksums: verifyChecksums)
    }

    /// `lenientOptions` keeps a malformed TCP options area as raw bytes (the printer shows it as tcpdump does).
    /// With `source`, the payload is a view into it.
    @inline(__always)
    init(
        parsing bytes: UnsafeRawBufferPointer, verifyChecksums: Bool, lenientOptions: Bool,
        viewing source: PayloadSource? = nil
    ) throws(WireError) {
        guard bytes.count >= 1 else { throw .truncated(needed: 1, available: 0) }
        let version = bytes[0] >> 4
        switch version {
        case 4: try self.init(parsingIPv4: bytes, verify: verifyChecksums, lenient: lenientOptions, source: source)
        case 6: try self.init(parsingIPv6: bytes, verify: verifyChecksums, lenient: lenientOptions, source: source)
        default: throw .unsupportedIPVersion(version)
        }
    }

    /// Parses one IP packet from any byte collection (an `[UInt8]`, an `ArraySlice`, ...).
    public init(parsing bytes: some Collection<UInt8>, verifyChecksums: Bool = false) throws(WireError) {
        let result: Result<IPPacket, WireError> = withContiguousBytes(bytes) { raw in
            Result { () throws(WireError) in try IPPacket(parsing: raw, verifyChecksums: verifyChecksums) }
        }
        self = try result.get()
    }

    @inline(__always)
    private init(
        parsingIPv4 b: UnsafeRawBufferPointer, verify: Bool, lenient: Bool, source: PayloadSource?
    ) throws(WireError) {
        guard b.count >= 20 else { throw .truncated(needed: 20, available: b.count) }
        let ihl = b[0] & 0x0f
        let headerLength = Int(ihl) * 4
        guard ihl >= 5 else { throw .badIHL(ihl) }
        let totalLength = Int(b.be16(2))
        guard totalLength >= headerLength else { throw .badIHL(ihl) }
        guard totalLength == b.count else { throw .totalLengthMismatch(header: totalLength, actual: b.count) }
        let fragment = b.be16(6)
        // A fragment (MF set or a non-zero offset) does not hold a whole TCP segment.
        guard fragment & 0x3fff == 0 else { throw .fragmented(offset: Int(fragment & 0x1fff) * 8) }
        let proto = b[9]
        guard proto == 6 else { throw .notTCP(protocolNumber: proto) }
        let stored = b.be16(10)
        if verify {
            var sum = InternetChecksum()
            sum.add(bytes: UnsafeRawBufferPointer(start: b.baseAddress, count: headerLength))
            guard sum.value == 0 else {
                throw .badChecksum(stored: stored, computed: TCPSegment.recomputed(stored: stored, sumWithStored: sum.sum))
            }
        }
        var header = IPv4Header(
            source: IPv4Address(rawValue: b.be32(12)), destination: IPv4Address(rawValue: b.be32(16)),
            optionBytes: headerLength > 20 ? IPv4OptionBytes(b[20..<headerLength]) : IPv4OptionBytes())
        header.tos = b[1]
        header.identification = b.be16(4)
        header.flagsAndFragmentOffset = fragment
        header.ttl = b[8]
        header.headerChecksum = stored
        // Fields are set one by one (not through `init(ip:tcp:)`) so the segment is built in place.
        ip = .v4(header)
        tcp = try TCPSegment(
            parsing: UnsafeRawBufferPointer(rebasing: b[headerLength..<totalLength]),
            checksum: verify
                ? InternetChecksum(
                    pseudoHeader: .v4(header.source), .v4(header.destination), tcpLength: totalLength - headerLength)
                : nil,
            offset: headerLength, lenientOptions: lenient, viewing: source
        )
    }

    private init(
        parsingIPv6 b: UnsafeRawBufferPointer, verify: Bool, lenient: Bool, source: PayloadSource?
    ) throws(WireError) {
        guard b.count >= 40 else { throw .truncated(needed: 40, available: b.count) }
        let payloadLength = Int(b.be16(4))
        let next = b[6]
        if Self.isIPv6ExtensionHeader(next) { throw .unsupportedExtensionHeader(nextHeader: next) }
        guard next == 6 else { throw .notTCP(protocolNumber: next) }
        guard 40 + payloadLength == b.count else {
            throw .totalLengthMismatch(header: 40 + payloadLength, actual: b.count)
        }
        let first = b.be32(0)
        let header = IPv6Header(
            source: IPv6Address(high: b.be64(8), low: b.be64(16)),
            destination: IPv6Address(high: b.be64(24), low: b.be64(32)),
            trafficClass: UInt8(truncatingIfNeeded: first >> 20), flowLabel: first & 0xfffff, hopLimit: b[7]
        )
        let tcp = try TCPSegment(
            parsing: UnsafeRawBufferPointer(rebasing: b[40...]),
            checksum: verify
                ? InternetChecksum(pseudoHeader: .v6(header.source), .v6(header.destination), tcpLength: payloadLength)
                : nil,
            offset: 40, lenientOptions: lenient, viewing: source
        )
        self.init(ip: .v6(header), tcp: tcp)
    }

    /// Checks the IPv4 header checksum and the TCP checksum as they would be emitted
    /// with the stored values; throws `.badChecksum` naming the first that is wrong.
    public func verifyChecksums() throws(WireError) {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(encodedLength)
        emit(into: &scratch, checksums: .asStored)
        _ = try IPPacket(parsing: scratch, verifyChecksums: true)
    }
}
