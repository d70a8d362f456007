/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.
///
/// Data is summed eight bytes at a time in native byte order; RFC 1071 §2(B) shows the sum is
/// byte-order independent, so it is swapped to network order once, when folded.
public struct InternetChecksum: Sendable {
    /// The running sum in native byte order, carries folded back in as they happen (end-around carry), so it
    /// is always a valid 64-bit one's complement sum; 2^16, 2^32 and 2^48 are all 1 modulo 2^16 - 1.
    private var accumulator: UInt64 = 0

    /// Starts an empty sum; the checksum of no data is 0xffff.
    public init() {}

    /// Adds a 16-bit word in host order, as it would appear big-endian on the wire.
    @inline(__always) public mutating func add(_ word: UInt16) {
        accumulator = Self.addCarry(accumulator, UInt64(word.bigEndian))
    }

    /// Adds a 32-bit value as two 16-bit words.
    @inline(__always) public mutating func add(_ value: UInt32) {
        accumulator = Self.addCarry(accumulator, UInt64(value.bigEndian))
    }

    /// Adds bytes as 16-bit network-order words; an odd final byte is padded with zero (RFC 1071 §4.1).
    /// Only the last chunk added may have odd length.
    @inline(__always) public mutating func add(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        accumulator = Self.addCarry(accumulator, Self.sum(base, bytes.count))
    }

    /// Copies `count` bytes from `source` to `destination` and adds them as `add(bytes:)` would, in one pass
    /// (emitting or parsing a payload touches it once instead of twice). Only the last chunk may be odd.
    @inline(__always) public mutating func add(
        copying source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int
    ) {
        accumulator = Self.addCarry(accumulator, Self.copyAndSum(source, destination, count))
    }

    /// 32-bit words summed into 64 bits, so no carry can occur below 2^32 words and the loop has no
    /// dependency on a carry flag (the compiler vectorizes it). 2^32 is 1 modulo 2^16 - 1, like 2^16.
    private static func copyAndSum(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, _ count: Int) -> UInt64 {
        let words = count >> 2
        var s: UInt64 = 0
        for i in 0..<words {
            let w = src.loadUnaligned(fromByteOffset: i &<< 2, as: UInt32.self)
            dst.storeBytes(of: w, toByteOffset: i &<< 2, as: UInt32.self)
            s &+= UInt64(w)
        }
        var at = words &<< 2
        // The tail (under 4 bytes) starts at an even offset, so its words line up with the data's.
        if count &- at >= 2 {
            let w = src.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            dst.storeBytes(of: w, toByteOffset: at, as: UInt16.self)
            s &+= UInt64(w)
            at &+= 2
        }
        if at < count {
            let b = src.load(fromByteOffset: at, as: UInt8.self)
            dst.storeBytes(of: b, toByteOffset: at, as: UInt8.self)
            // The odd byte is the high half of a big-endian word.
            s &+= UInt64(UInt16(bigEndian: UInt16(b) << 8))
        }
        return s
    }

    /// Eight bytes per add with 64-bit words; carries are counted and added back once at the end.
    @inline(__always) private static func sum(_ base: UnsafeRawPointer, _ count: Int) -> UInt64 {
        var p = base
        var n = count
        var s: UInt64 = 0
        var carries: UInt64 = 0
        @inline(__always) func add(_ x: UInt64) {
            let (r, o) = s.addingReportingOverflow(x)
            s = r
            carries &+= o ? 1 : 0
        }
        while n >= 32 {
            add(p.loadUnaligned(as: UInt64.self))
            add(p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            add(p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            add(p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            p += 32
            n -= 32
        }
        while n >= 8 {
            add(p.loadUnaligned(as: UInt64.self))
            p += 8
            n -= 8
        }
        // The tail (under 8 bytes) starts at an even offset, so its words line up with the data's.
        if n >= 4 {
            add(UInt64(p.loadUnaligned(as: UInt32.self)))
            p += 4
            n -= 4
        }
        if n >= 2 {
            add(UInt64(p.loadUnaligned(as: UInt16.self)))
            p += 2
            n -= 2
        }
        if n == 1 {
            // The odd byte is the high half of a big-endian word.
            add(UInt64(UInt16(bigEndian: UInt16(p.load(as: UInt8.self)) << 8)))
        }
        return addCarry(s, carries)
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

    /// The one's complement sum folded to 16 bits, in host order (RFC 1071 §2(B): the native-order sum,
    /// byte-swapped once).
    @inline(__always) public var sum: UInt16 { UInt16(bigEndian: Self.fold(accumulator)) }

    /// The checksum to store: the complement of the sum. Over data that includes a correct
    /// checksum field this is 0.
    @inline(__always) public var value: UInt16 { ~sum }

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
    @inline(__always) public init(pseudoHeader source: IPAddress, _ destination: IPAddress, tcpLength: Int) {
        self.init()
        if case .v4(let s) = source, case .v4(let d) = destination {
            // Four words at most 2^32 each: no carry can occur.
            accumulator = UInt64(s.rawValue.bigEndian) &+ UInt64(d.rawValue.bigEndian) &+ UInt64(UInt16(6).bigEndian)
                &+ UInt64(UInt16(truncatingIfNeeded: tcpLength).bigEndian)
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
            accumulator = Self.addCarry(accumulator, a.high.bigEndian)
            accumulator = Self.addCarry(accumulator, a.low.bigEndian)
        }
    }
}
