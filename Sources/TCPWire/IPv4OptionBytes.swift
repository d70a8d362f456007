/// The raw options of an IPv4 header (at most 40 bytes: IHL is at most 15 words), held inline so that a header,
/// and so a packet, carries no heap reference for them: copying a packet then retains only its payload.
struct IPv4OptionBytes: Hashable, Sendable {
    static let capacity = 40

    // Bytes past `count` are always zero so synthesized equality holds.
    private var words = FortyBytes()
    private(set) var count = 0

    init() {}

    /// The first 40 bytes of `bytes` (more cannot be expressed in a header).
    init(_ bytes: some Collection<UInt8>) {
        for b in bytes.prefix(Self.capacity) {
            words.setZeroByte(count, to: b)
            count += 1
        }
    }

    subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < count)
        return words.byte(i)
    }

    var array: [UInt8] { count == 0 ? [] : (0..<count).map { self[$0] } }
}
