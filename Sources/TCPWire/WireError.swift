/// Why bytes could not be read as a packet. Offsets are byte offsets into the input.
public enum WireError: Error, Hashable, Sendable {
    /// The input ends before a header does: `needed` bytes were required, `available` were there.
    case truncated(needed: Int, available: Int)
    /// The IPv4 header length field is below 5 words or beyond the total length.
    case badIHL(UInt8)
    /// The TCP data offset is below 5 words or beyond the bytes present.
    case badDataOffset(UInt8)
    /// An option's length byte is missing, below 2, or runs past the options area; `offset` is where the option starts.
    case optionLengthOverrun(offset: Int)
    /// More than 40 bytes of options.
    case optionsTooLong(Int)
    /// The IP length field and the bytes present disagree.
    case totalLengthMismatch(header: Int, actual: Int)
    /// The first nibble is neither 4 nor 6.
    case unsupportedIPVersion(UInt8)
    /// An IPv6 extension header precedes TCP; they are not parsed.
    case unsupportedExtensionHeader(nextHeader: UInt8)
    /// The IP payload is not TCP (protocol or next header is not 6).
    case notTCP(protocolNumber: UInt8)
    /// The stored checksum is not the one the bytes give; `computed` is the value that would be correct.
    case badChecksum(stored: UInt16, computed: UInt16)
    /// An IPv4 fragment (MF set or non-zero offset): it does not hold a whole TCP segment.
    case fragmented(offset: Int)
}
