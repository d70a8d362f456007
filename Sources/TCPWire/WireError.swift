/// Why bytes could not be read as a packet. Offsets are byte offsets into the input.
public enum WireError: Error, Hashable, Sendable {
    case truncated(needed: Int, available: Int)
    case badIHL(UInt8)
    case badDataOffset(UInt8)
    case optionLengthOverrun(offset: Int)
    case optionsTooLong(Int)
    case totalLengthMismatch(header: Int, actual: Int)
    case unsupportedIPVersion(UInt8)
    case unsupportedExtensionHeader(nextHeader: UInt8)
    case notTCP(protocolNumber: UInt8)
    case badChecksum(stored: UInt16, computed: UInt16)
    /// An IPv4 fragment (MF set or non-zero offset): it does not hold a whole TCP segment.
    case fragmented(offset: Int)
}
