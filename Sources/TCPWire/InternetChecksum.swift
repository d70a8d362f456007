/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.
///
/// Data is summed eight bytes at a time in native byte order; RFC 1071 §2(B) shows the sum is
/// byte-order independent, so it is swapped to network order once, when folded.
public struct InternetChecksum: Sendable {
    /// Network-order words added one by one (pseudo-header fields).
    private var wordSum: UInt64 = 0
    /// Native-order sum of bulk data.
    private var nativeSum: UInt64 = 0

    public init() {}

    /// Adds a 16-bit word in host order, as it would appear big-endian on the wire.
    @inline(__always) public mutating func add(_ word: UInt16) { wordSum &+= UInt64(word) }

    /// Adds a 32-bit value as two 16-bit words.
    @inline(__always) public mutating func add(_ value: UInt32) {
        wordSum &+= UInt64(value >> 16) &+ UInt64(value & 0xffff)
    }

    /// Adds bytes as 16-bit network-order words; an odd final byte is padded with zero (RFC 1071 §4.1).
    /// Only the last chunk added may have odd length.
    public mutating func add(bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        var i = 0
        // 32-bit words into four 64-bit lanes: no carries to chase (2^32 words cannot overflow),
        // and the independent lanes let the loop pipeline.
        var l0: UInt64 = 0, l1: UInt64 = 0, l2: UInt64 = 0, l3: UInt64 = 0
        while i + 16 <= n {
            l0 &+= UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            l1 &+= UInt64(bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
            l2 &+= UInt64(bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self))
            l3 &+= UInt64(bytes.loadUnaligned(fromByteOffset: i + 12, as: UInt32.self))
            i += 16
        }
        while i + 4 <= n {
            l0 &+= UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            i += 4
        }
        if i + 2 <= n {
            l1 &+= UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt16.self))
            i += 2
        }
        if i < n {
            // The odd byte is the high half of a big-endian word.
            l2 &+= UInt64(UInt16(bigEndian: UInt16(bytes[i]) << 8))
        }
        // A lane overflows only past 2^32 words per lane (64 GiB of data), so plain adds are safe.
        nativeSum = Self.addCarry(nativeSum, l0 &+ l1 &+ l2 &+ l3)
    }

    @inline(__always) private static func addCarry(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (s, o) = a.addingReportingOverflow(b)
        return s &+ (o ? 1 : 0)
    }

    /// 64 -> 32 -> 16 bits with end-around carries (2^32 and 2^16 are both 1 modulo 2^16 - 1). Each carry
    /// add cannot overflow again: a sum that carried is at most 2^k - 2.
    @inline(__always) private static func fold(_ x: UInt64) -> UInt16 {
        let (s32, c32) = UInt32(truncatingIfNeeded: x >> 32).addingReportingOverflow(UInt32(truncatingIfNeeded: x))
        let y = s32 &+ (c32 ? 1 : 0)
        let (s16, c16) = UInt16(truncatingIfNeeded: y >> 16).addingReportingOverflow(UInt16(truncatingIfNeeded: y))
        return s16 &+ (c16 ? 1 : 0)
    }

    /// The one's complement sum folded to 16 bits, in host order.
    public var sum: UInt16 {
        // `wordSum` only gathers 16-bit words (it cannot near 2^64), so it is folded once, together with the data.
        let data = UInt16(bigEndian: Self.fold(nativeSum))
        return Self.fold(wordSum &+ UInt64(data))
    }

    /// The checksum to store: the complement of the sum. Over data that includes a correct
    /// checksum field this is 0.
    public var value: UInt16 { ~sum }

    /// Checksum of one buffer.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var c = InternetChecksum()
        c.add(bytes: bytes)
        return c.value
    }

    /// Checksum of an array of bytes.
    public static func of(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { of($0) }
    }
}

extension InternetChecksum {
    /// Starts a TCP checksum with the IPv4 (RFC 9293 §3.1) or IPv6 (RFC 8200 §8.1) pseudo-header.
    public init(pseudoHeader source: IPAddress, _ destination: IPAddress, tcpLength: Int) {
        self.init()
        if case .v4(let s) = source, case .v4(let d) = destination {
            add(s.rawValue)
            add(d.rawValue)
            add(UInt16(6))
            add(UInt16(truncatingIfNeeded: tcpLength))
        } else {
            addAddress(source)
            addAddress(destination)
            add(UInt32(truncatingIfNeeded: tcpLength))
            add(UInt16(6))
        }
    }

    private mutating func addAddress(_ address: IPAddress) {
        switch address {
        case .v4(let a):
            add(a.rawValue)
        case .v6(let a):
            add(UInt32(truncatingIfNeeded: a.high >> 32)); add(UInt32(truncatingIfNeeded: a.high))
            add(UInt32(truncatingIfNeeded: a.low >> 32)); add(UInt32(truncatingIfNeeded: a.low))
        }
    }
}
