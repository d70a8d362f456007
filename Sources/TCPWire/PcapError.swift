/// Why bytes could not be read as a capture file. Offsets are byte offsets into the file.
public enum PcapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file is shorter than the 24-byte pcap file header.
    case truncatedFileHeader(available: Int)
    /// The first four bytes are no pcap or pcapng magic number.
    case notPcap(magic: UInt32)
    /// A record header or record data runs past the end of the file.
    case truncatedRecord(offset: Int, needed: Int, available: Int)
    /// A record claims more captured bytes than any capture can hold.
    case corruptRecord(offset: Int, capturedLength: Int)
    /// A pcapng block is malformed (bad length, wrong trailer, unknown interface).
    case corruptBlock(offset: Int, reason: String)
    /// The file's link type is not one we can decode.
    case unsupportedLinkType(LinkType)

    /// One line that says what is wrong and at which byte offset.
    public var description: String {
        switch self {
        case .truncatedFileHeader(let n):
            "truncated pcap file header at offset 0: \(n) of 24 bytes present"
        case .notPcap(let magic):
            "not a pcap file at offset 0: magic 0x\(String(magic, radix: 16))"
        case .truncatedRecord(let offset, let needed, let available):
            "truncated record at offset \(offset): needs \(needed) bytes, \(available) present"
        case .corruptRecord(let offset, let length):
            "corrupt record at offset \(offset): captured length \(length) is impossible"
        case .corruptBlock(let offset, let reason):
            "corrupt pcapng block at offset \(offset): \(reason)"
        case .unsupportedLinkType(let type):
            "unsupported link type \(type.rawValue) at offset 20"
        }
    }
}
