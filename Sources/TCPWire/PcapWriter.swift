/// Writes a classic libpcap file (little-endian, microsecond or nanosecond stamps) in memory.
/// Packets go out as LINKTYPE_RAW, as EN10MB with zero MACs (like tcpdump on Linux `lo`), or with
/// the other link headers the reader knows (NULL, LOOP, LINUX_SLL, LINUX_SLL2 on interface 1, inbound).
public struct PcapWriter: Sendable {
    /// The link type written in the file header and put before every packet.
    public let linkType: LinkType
    /// True when record timestamps are written in nanoseconds.
    public let nanosecondResolution: Bool
    /// The file so far.
    public private(set) var bytes: [UInt8] = []
    private var scratch: [UInt8] = []

    /// Starts a file with its 24-byte header; `linkType` must be one `LinkType.isSupported` accepts.
    public init(linkType: LinkType = .raw, snapLength: UInt32 = 262_144, nanosecondResolution: Bool = false) {
        precondition(linkType.isSupported, "no framing for \(linkType)")
        self.linkType = linkType
        self.nanosecondResolution = nanosecondResolution
        appendLE32(nanosecondResolution ? 0xa1b2_3c4d : 0xa1b2_c3d4)
        appendLE16(2)
        appendLE16(4)
        appendLE32(0)  // thiszone
        appendLE32(0)  // sigfigs
        appendLE32(snapLength)
        appendLE32(linkType.rawValue)
    }

    /// Appends a packet; checksums as `checksums` says (filled by default).
    public mutating func append(
        _ packet: IPPacket, at time: PcapTimestamp, checksums: IPPacket.ChecksumMode = .fill
    ) {
        scratch.removeAll(keepingCapacity: true)
        linkType.appendHeader(to: &scratch, ipv6: packet.ip.source.isIPv6)
        packet.emit(into: &scratch, checksums: checksums)
        appendRecord(scratch, originalLength: scratch.count, at: time)
    }

    /// Appends a frame as it is (link header included). `originalLength` larger than the frame
    /// records a capture cut by the snap length.
    public mutating func append(frame: [UInt8], originalLength: Int? = nil, at time: PcapTimestamp) {
        appendRecord(frame, originalLength: originalLength ?? frame.count, at: time)
    }

    private mutating func appendRecord(_ frame: [UInt8], originalLength: Int, at time: PcapTimestamp) {
        appendLE32(UInt32(truncatingIfNeeded: time.seconds))
        appendLE32(nanosecondResolution ? time.nanoseconds : time.microseconds)
        appendLE32(UInt32(frame.count))
        appendLE32(UInt32(originalLength))
        bytes.append(contentsOf: frame)
    }

    private mutating func appendLE16(_ v: UInt16) {
        bytes.append(UInt8(v & 0xff)); bytes.append(UInt8(v >> 8))
    }

    private mutating func appendLE32(_ v: UInt32) {
        appendLE16(UInt16(v & 0xffff)); appendLE16(UInt16(v >> 16))
    }
}
