/// Reading and writing a bare TCP segment (RFC 9293 §3.1). The IP addresses are needed only for
/// the checksum's pseudo-header.
extension TCPSegment {
    /// Parses a TCP header, its options and payload. `bytes` is exactly the segment (IP payload).
    /// `offset` is where the segment starts in the caller's input, used in error offsets.
    /// With `pseudoHeader`, the checksum is verified and a mismatch throws `.badChecksum`.
    public init(
        parsing bytes: UnsafeRawBufferPointer, pseudoHeader: (source: IPAddress, destination: IPAddress)? = nil,
        offset: Int = 0
    ) throws(WireError) {
        try self.init(parsing: bytes, pseudoHeader: pseudoHeader, offset: offset, lenientOptions: false)
    }

    /// `lenientOptions` keeps a malformed options area as raw bytes instead of throwing (for printing).
    init(
        parsing bytes: UnsafeRawBufferPointer, pseudoHeader: (source: IPAddress, destination: IPAddress)?,
        offset: Int, lenientOptions: Bool
    ) throws(WireError) {
        try self.init(
            parsing: bytes,
            checksum: pseudoHeader.map { InternetChecksum(pseudoHeader: $0.source, $0.destination, tcpLength: bytes.count) },
            offset: offset, lenientOptions: lenientOptions)
    }

    /// Parses a segment held in `bytes` (exactly the segment); its payload is a view into `bytes`' storage, not a
    /// copy. With `pseudoHeader`, the checksum is verified over the bytes in place.
    public init(
        parsing bytes: Payload, pseudoHeader: (source: IPAddress, destination: IPAddress)? = nil
    ) throws(WireError) {
        let result: Result<TCPSegment, WireError> = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) in
                try TCPSegment(
                    parsing: raw,
                    checksum: pseudoHeader.map {
                        InternetChecksum(pseudoHeader: $0.source, $0.destination, tcpLength: raw.count)
                    },
                    offset: 0, lenientOptions: false,
                    viewing: bytes.storage.map { PayloadSource(storage: $0, base: raw.baseAddress!, lower: Int(bytes.lower)) })
            }
        }
        self = try result.get()
    }

    /// Parses a segment held in `bytes`, its payload a view sharing the array's storage.
    public init(
        parsing bytes: [UInt8], pseudoHeader: (source: IPAddress, destination: IPAddress)? = nil
    ) throws(WireError) {
        try self.init(parsing: Payload(bytes), pseudoHeader: pseudoHeader)
    }

    /// `checksum` is the pseudo-header's sum when the checksum is to be verified. With `source`, `bytes` lie in
    /// its storage and the payload is a view of them; without, the payload is copied out.
    @inline(__always) init(
        parsing bytes: UnsafeRawBufferPointer, checksum: InternetChecksum?, offset: Int, lenientOptions: Bool,
        viewing source: PayloadSource? = nil
    ) throws(WireError) {
        guard bytes.count >= 20 else { throw .truncated(needed: offset + 20, available: offset + bytes.count) }
        let offsetAndFlags = bytes.be16(12)
        let dataOffset = UInt8(offsetAndFlags >> 12)
        let headerLength = Int(dataOffset) * 4
        guard dataOffset >= 5, headerLength <= bytes.count else { throw .badDataOffset(dataOffset) }
        let payloadCount = bytes.count &- headerLength
        var copied = Payload()
        if let source {
            // Zero copy: the checksum is summed over the bytes where they lie, and the payload views them.
            if var sum = checksum {
                sum.add(bytes: bytes)
                guard sum.value == 0 else {
                    let stored = bytes.be16(16)
                    throw .badChecksum(stored: stored, computed: Self.recomputed(stored: stored, sumWithStored: sum.sum))
                }
            }
            if payloadCount > 0 { copied = source.view(of: bytes.baseAddress! + headerLength, count: payloadCount) }
        } else if var sum = checksum {
            // Bytes the caller keeps (a raw buffer): the payload is copied out while the checksum is summed over it,
            // one pass over the bytes.
            sum.add(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<headerLength]))
            if payloadCount > 0 {
                copied = Payload(unsafeUninitializedCount: payloadCount) { dst in
                    sum.add(copying: bytes.baseAddress! + headerLength, to: dst.baseAddress!, count: payloadCount)
                }
            }
            guard sum.value == 0 else {
                let stored = bytes.be16(16)
                throw .badChecksum(stored: stored, computed: Self.recomputed(stored: stored, sumWithStored: sum.sum))
            }
        } else if payloadCount > 0 {
            copied = Payload(unsafeUninitializedCount: payloadCount) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[headerLength...]))
            }
        }
        // Field by field rather than through the memberwise initializer, so the segment is built in place.
        options = try TCPOptions(
            area: UnsafeRawBufferPointer(rebasing: bytes[20..<headerLength]), offset: offset + 20,
            validating: !lenientOptions
        )
        sourcePort = bytes.be16(0)
        destinationPort = bytes.be16(2)
        sequenceNumber = bytes.be32(4)
        acknowledgmentNumber = bytes.be32(8)
        flags = TCPFlags(rawValue: offsetAndFlags & 0x1ff)
        window = bytes.be16(14)
        self.checksum = bytes.be16(16)
        urgentPointer = bytes.be16(18)
        reserved = UInt8(truncatingIfNeeded: (offsetAndFlags >> 9) & 0x7)
        payload = copied
    }

    /// Parses a segment from any byte collection.
    public init(
        parsing bytes: some Collection<UInt8>, pseudoHeader: (source: IPAddress, destination: IPAddress)? = nil
    ) throws(WireError) {
        let result: Result<TCPSegment, WireError> = withContiguousBytes(bytes) { raw in
            Result { () throws(WireError) in try TCPSegment(parsing: raw, pseudoHeader: pseudoHeader) }
        }
        self = try result.get()
    }

    /// The checksum that should have been stored, given the sum over data that included `stored`.
    static func recomputed(stored: UInt16, sumWithStored: UInt16) -> UInt16 {
        // Take the stored word back out of the sum (one's complement subtraction), then complement.
        let s = UInt32(sumWithStored) &+ UInt32(~stored)
        return ~UInt16(truncatingIfNeeded: (s >> 16) &+ (s & 0xffff))
    }

    /// Bytes the segment takes on the wire.
    public var encodedLength: Int { headerLength &+ payload.count }

    /// Writes the segment at `start` in `out` (which must have `encodedLength` bytes there).
    /// With a pseudo-header the checksum is computed and written; without, `checksum` is written as stored.
    /// Returns the checksum written.
    @discardableResult
    public func write(
        to out: UnsafeMutableRawBufferPointer, at start: Int,
        pseudoHeader: (source: IPAddress, destination: IPAddress)?
    ) -> UInt16 {
        write(
            to: out, at: start,
            checksum: pseudoHeader.map { InternetChecksum(pseudoHeader: $0.source, $0.destination, tcpLength: encodedLength) })
    }

    /// `checksum` is the pseudo-header's sum when the checksum is to be computed.
    @inline(__always) @discardableResult
    func write(to out: UnsafeMutableRawBufferPointer, at start: Int, checksum: InternetChecksum?) -> UInt16 {
        let h = headerLength
        let length = h &+ payload.count
        precondition(start >= 0 && out.count - start >= length, "output buffer too small for the segment")
        let p = out.baseAddress! + start
        // Ports, then sequence and acknowledgment numbers, then offset/flags, window, checksum (0 for now),
        // urgent pointer: four 32-bit stores and two 64-bit ones.
        p.storeBytes(of: (UInt32(sourcePort) << 16 | UInt32(destinationPort)).bigEndian, as: UInt32.self)
        p.storeBytes(
            of: (UInt64(sequenceNumber) << 32 | UInt64(acknowledgmentNumber)).bigEndian, toByteOffset: 4,
            as: UInt64.self)
        let word = UInt16(h / 4) << 12 | UInt16(reserved & 0x7) << 9 | (flags.rawValue & 0x1ff)
        p.storeBytes(
            of: (UInt64(word) << 48 | UInt64(window) << 32 | UInt64(urgentPointer)).bigEndian, toByteOffset: 12,
            as: UInt64.self)
        options.write(to: out, at: start + 20)
        var stored = self.checksum
        if var sum = checksum {
            // Header summed, then the payload copied and summed in one pass.
            sum.add(bytes: UnsafeRawBufferPointer(start: p, count: h))
            if !payload.isEmpty {
                payload.withUnsafeBytes { src in sum.add(copying: src.baseAddress!, to: p + h, count: src.count) }
            }
            stored = sum.value
        } else if !payload.isEmpty {
            payload.withUnsafeBytes { src in
                (p + h).copyMemory(from: src.baseAddress!, byteCount: src.count)
            }
        }
        p.storeBytes(of: stored.bigEndian, toByteOffset: 16, as: UInt16.self)
        return stored
    }

    /// Appends the segment to `buffer`, computing the checksum when a pseudo-header is given.
    public func emit(into buffer: inout [UInt8], pseudoHeader: (source: IPAddress, destination: IPAddress)?) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: encodedLength))
        buffer.withUnsafeMutableBytes { out in _ = write(to: out, at: start, pseudoHeader: pseudoHeader) }
    }

    /// The TCP checksum this segment should carry between the given addresses.
    public func computedChecksum(source: IPAddress, destination: IPAddress) -> UInt16 {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(encodedLength)
        emit(into: &scratch, pseudoHeader: (source, destination))
        return scratch.withUnsafeBytes { $0.be16(16) }
    }
}

/// Runs `body` over the bytes of any collection, copying only when it has no contiguous storage.
func withContiguousBytes<C: Collection<UInt8>, R>(_ bytes: C, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let r = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
    return Array(bytes).withUnsafeBytes(body)
}

/// The storage a parse reads from, so that the payload it finds can be a view of it. The caller holds the storage
/// for the parse, so the source does not: a packet without data costs no reference count.
struct PayloadSource {
    unowned(unsafe) let storage: PayloadStorage
    /// Where the parsed bytes lie, and their offset in `storage`.
    let base: UnsafeRawPointer
    let lower: Int

    /// The view of `count` bytes at `start`, a pointer into the parsed bytes.
    @inline(__always) func view(of start: UnsafeRawPointer, count: Int) -> Payload {
        Payload(storage: storage, lower: lower &+ (start - base), count: count)
    }
}
