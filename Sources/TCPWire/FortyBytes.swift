/// Forty bytes in five 64-bit words, first byte lowest: the inline storage of IPv4 and TCP options (each at most
/// 40 bytes), so a header carries no heap reference. Owners keep bytes past their count zero, so synthesized
/// equality compares only real bytes.
struct FortyBytes: Hashable, Sendable {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0

    /// Byte `i` (0..<40).
    @inline(__always) func byte(_ i: Int) -> UInt8 {
        let word: UInt64
        switch i >> 3 {
        case 0: word = w0
        case 1: word = w1
        case 2: word = w2
        case 3: word = w3
        default: word = w4
        }
        return UInt8(truncatingIfNeeded: word >> (UInt64(i & 7) * 8))
    }

    /// ORs `bits` into word `index` (0..<5).
    @inline(__always) mutating func orWord(_ index: Int, _ bits: UInt64) {
        switch index {
        case 0: w0 |= bits
        case 1: w1 |= bits
        case 2: w2 |= bits
        case 3: w3 |= bits
        default: w4 |= bits
        }
    }

    /// Sets byte `i`, which must still be zero.
    @inline(__always) mutating func setZeroByte(_ i: Int, to b: UInt8) {
        orWord(i >> 3, UInt64(b) << (UInt64(i & 7) * 8))
    }
}
