/// The raw options of an IPv4 header (at most 40 bytes: IHL is at most 15 words), held inline so that a header,
/// and so a packet, carries no heap reference for them: copying a packet then retains only its payload.
struct IPv4OptionBytes: Hashable, Sendable {
    static let capacity = 40

    // Five words hold 40 bytes, first byte lowest; bytes past `count` are always zero so synthesized equality holds.
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0
    private(set) var count = 0

    init() {}

    /// The first 40 bytes of `bytes` (more cannot be expressed in a header).
    init(_ bytes: some Collection<UInt8>) {
        for b in bytes.prefix(Self.capacity) {
            let shifted = UInt64(b) << (UInt64(count & 7) * 8)
            switch count >> 3 {
            case 0: w0 |= shifted
            case 1: w1 |= shifted
            case 2: w2 |= shifted
            case 3: w3 |= shifted
            default: w4 |= shifted
            }
            count += 1
        }
    }

    subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < count)
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

    var array: [UInt8] { count == 0 ? [] : (0..<count).map { self[$0] } }
}
