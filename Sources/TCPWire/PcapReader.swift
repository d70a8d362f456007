/// One captured frame.
public struct PcapRecord: Hashable, Sendable {
    /// When the frame was captured.
    public var timestamp: PcapTimestamp
    /// Length of the frame on the wire; `data.count` may be less (snap length).
    public var originalLength: Int
    /// The captured bytes, link header included. Shares storage with the file's bytes.
    public var data: ArraySlice<UInt8>
    /// Offset of this record's header in the file.
    public var offset: Int
    /// The link type of the interface this frame was captured on.
    public var linkType: LinkType
}

/// Reads classic libpcap files: both byte orders, microsecond and nanosecond magic.
/// pcapng files are read by `PcapNGReader`; `CaptureFile` picks the right one.
public struct PcapReader: Sendable {
    /// The link type from the file header; every record has it.
    public let linkType: LinkType
    /// The largest frame length the capture kept, from the file header.
    public let snapLength: UInt32
    /// True when record timestamps count nanoseconds (magic `a1b23c4d`), false for microseconds.
    public let nanosecondResolution: Bool
    /// True when the file was written big-endian.
    public let bigEndian: Bool
    private let bytes: [UInt8]
    private var position = 24
    /// Largest captured length accepted whatever the snap length says (libpcap's limit).
    static let maximumRecordLength = 262_144

    /// Checks the magic number and reads the file header; records are read by `nextRecord()`.
    public init(bytes: [UInt8]) throws(PcapError) {
        guard bytes.count >= 24 else {
            if bytes.count >= 4 { try Self.checkMagic(bytes) }
            throw .truncatedFileHeader(available: bytes.count)
        }
        (bigEndian, nanosecondResolution) = try Self.checkMagic(bytes)
        self.bytes = bytes
        let be = bigEndian
        snapLength = Self.u32(bytes, 16, be)
        linkType = LinkType(rawValue: Self.u32(bytes, 20, be) & 0x03ff_ffff)
    }

    @discardableResult
    private static func checkMagic(_ bytes: [UInt8]) throws(PcapError) -> (bigEndian: Bool, nanoseconds: Bool) {
        switch u32(bytes, 0, true) {
        case 0xa1b2_c3d4: return (true, false)
        case 0xa1b2_3c4d: return (true, true)
        case 0xd4c3_b2a1: return (false, false)
        case 0x4d3c_b2a1: return (false, true)
        case let magic: throw .notPcap(magic: magic)
        }
    }

    static func u32(_ b: [UInt8], _ i: Int, _ bigEndian: Bool) -> UInt32 {
        let v = UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        return bigEndian ? v : v.byteSwapped
    }

    /// The next record; nil at a clean end of file.
    public mutating func nextRecord() throws(PcapError) -> PcapRecord? {
        let start = position
        guard start < bytes.count else { return nil }
        guard start + 16 <= bytes.count else {
            throw .truncatedRecord(offset: start, needed: 16, available: bytes.count - start)
        }
        let seconds = Self.u32(bytes, start, bigEndian)
        let fraction = Self.u32(bytes, start + 4, bigEndian)
        let captured = Int(Self.u32(bytes, start + 8, bigEndian))
        let original = Int(Self.u32(bytes, start + 12, bigEndian))
        guard captured <= Swift.max(Int(snapLength), Self.maximumRecordLength) else {
            throw .corruptRecord(offset: start, capturedLength: captured)
        }
        guard start + 16 + captured <= bytes.count else {
            throw .truncatedRecord(offset: start, needed: 16 + captured, available: bytes.count - start)
        }
        position = start + 16 + captured
        // An out-of-range fraction is carried into the seconds rather than rejected.
        let nanos = UInt64(fraction) * (nanosecondResolution ? 1 : 1000)
        let timestamp = PcapTimestamp(
            seconds: Int64(seconds) + Int64(nanos / 1_000_000_000), nanoseconds: UInt32(nanos % 1_000_000_000)
        )
        return PcapRecord(
            timestamp: timestamp, originalLength: original, data: bytes[start + 16..<start + 16 + captured],
            offset: start, linkType: linkType
        )
    }

    /// Every record, or the first error.
    public static func records(in bytes: [UInt8]) throws(PcapError) -> [PcapRecord] {
        var reader = try PcapReader(bytes: bytes)
        var out: [PcapRecord] = []
        while let r = try reader.nextRecord() { out.append(r) }
        return out
    }
}

extension PcapRecord {
    /// The IP packet this frame carries: link header removed, link padding after the IP total
    /// length dropped. Nil when the frame carries no IPv4/IPv6 or its link header is cut short.
    public var ipBytes: ArraySlice<UInt8>? {
        let frame = data.withUnsafeBytes { linkType.decode($0) }
        guard let frame, frame.etherType == 0x0800 || frame.etherType == 0x86dd else { return nil }
        let ip = data.dropFirst(frame.headerLength)
        let s = ip.startIndex
        guard let first = ip.first else { return ip }
        let total: Int
        switch first >> 4 {
        case 4 where ip.count >= 4: total = Int(ip[s + 2]) << 8 | Int(ip[s + 3])
        case 6 where ip.count >= 6: total = 40 + (Int(ip[s + 4]) << 8 | Int(ip[s + 5]))
        default: return ip
        }
        return total >= 20 && total < ip.count ? ip.prefix(total) : ip
    }
}
