/// The options area of a TCP header, stored as its raw bytes (at most 40) inline, so a segment
/// carries its options without a heap allocation and re-emits them byte for byte.
/// Decoded views (`mss`, `timestamps`, iteration) read the bytes on demand.
public struct TCPOptions: Hashable, Sendable {
    /// The most option bytes a TCP header can hold (a 60-byte header less the fixed 20).
    public static let capacity = 40

    // Bytes past `count` are always zero so synthesized equality holds.
    private var words = FortyBytes()
    /// Number of option bytes held, before padding.
    public private(set) var count: Int = 0

    /// An empty options area.
    public init() {}

    /// Builds the options area from decoded options, in order. Throws if they exceed 40 bytes.
    public init(_ options: [TCPOption]) throws(WireError) {
        for option in options { try append(option) }
    }

    /// Takes raw option bytes as found in a header, checking every length field.
    public init(rawBytes: some Collection<UInt8>) throws(WireError) {
        guard rawBytes.count <= Self.capacity else { throw .optionsTooLong(rawBytes.count) }
        for b in rawBytes { appendByte(b) }
        try validate()
    }

    /// Takes the raw options area straight from a header buffer, eight bytes at a time.
    /// `offset` is where the area starts in the input, so a length overrun names an input offset.
    init(area: UnsafeRawBufferPointer, offset: Int, validating: Bool = true) throws(WireError) {
        let n = area.count
        guard n <= Self.capacity else { throw .optionsTooLong(n) }
        guard n > 0, let p = area.baseAddress else { return }
        // A header's options area is a whole number of 32-bit words; other lengths take the bytewise path.
        if n & 3 == 0 {
            words.w0 = Self.load(p, n, 0); words.w1 = Self.load(p, n, 8); words.w2 = Self.load(p, n, 16)
            words.w3 = Self.load(p, n, 24); words.w4 = Self.load(p, n, 32)
        } else {
            for i in 0..<n { orWord(i >> 3, UInt64(area[i]) << (UInt64(i & 7) * 8)) }
        }
        count = n
        guard validating else { return }
        // Linux's SYN layout (`mss,sackOK,TS val ecr,nop,wscale`) has consistent lengths by construction: accept
        // it on its kind and length bytes alone.
        if n == 20, words.w0 & 0xffff_ffff_0000_ffff == 0x0a08_0204_0000_0402, words.w2 & 0xff_ffff == 0x03_0301 { return }
        // The same walk as `validate()`, on the raw bytes (every read is below `n`).
        var i = 0
        while i < n {
            let kind = p.load(fromByteOffset: i, as: UInt8.self)
            if kind == 0 { return }
            if kind == 1 { i += 1; continue }
            guard i + 1 < n else { throw .optionLengthOverrun(offset: offset + i) }
            let len = Int(p.load(fromByteOffset: i + 1, as: UInt8.self))
            guard len >= 2, i + len <= n else { throw .optionLengthOverrun(offset: offset + i) }
            i += len
        }
    }

    /// Writes the options padded with zeros to `paddedCount` bytes at `start`.
    @inline(__always) func write(to out: UnsafeMutableRawBufferPointer, at start: Int) {
        let n = paddedCount
        guard n > 0, let p = out.baseAddress?.advanced(by: start) else { return }
        Self.store(words.w0, p, n, 0); Self.store(words.w1, p, n, 8); Self.store(words.w2, p, n, 16)
        Self.store(words.w3, p, n, 24); Self.store(words.w4, p, n, 32)
    }

    /// Word `at` of an area of `n` bytes (a multiple of 4): eight bytes, four, or none (zero), first byte lowest.
    @inline(__always) private static func load(_ p: UnsafeRawPointer, _ n: Int, _ at: Int) -> UInt64 {
        if n >= at + 8 { return UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        if n >= at + 4 { return UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        return 0
    }

    /// Stores the part of `word` that falls inside an area of `n` bytes (a multiple of 4).
    @inline(__always) private static func store(_ word: UInt64, _ p: UnsafeMutableRawPointer, _ n: Int, _ at: Int) {
        if n >= at + 8 {
            p.storeBytes(of: word.littleEndian, toByteOffset: at, as: UInt64.self)
        } else if n >= at + 4 {
            p.storeBytes(of: UInt32(truncatingIfNeeded: word).littleEndian, toByteOffset: at, as: UInt32.self)
        }
    }

    /// The options followed by zero (EOL) bytes up to a 32-bit boundary: the form a parsed header
    /// has, so `parse(emit(x)) == x` holds for segments whose options are padded.
    public var padded: TCPOptions {
        var copy = self
        copy.count = paddedCount
        return copy
    }

    /// The option byte at offset `i`, which must be below `count`.
    public subscript(byte i: Int) -> UInt8 {
        precondition(i >= 0 && i < count)
        return words.byte(i)
    }

    /// The option bytes as an array, without padding.
    public var bytes: [UInt8] { (0..<count).map { self[byte: $0] } }

    /// Length on the wire once padded with zero bytes to a 32-bit boundary.
    public var paddedCount: Int { (count &+ 3) & ~3 }

    private mutating func appendByte(_ b: UInt8) {
        words.setZeroByte(count, to: b)
        count += 1
    }

    private mutating func appendBE16(_ v: UInt16) {
        appendByte(UInt8(v >> 8)); appendByte(UInt8(truncatingIfNeeded: v))
    }

    private mutating func appendBE32(_ v: UInt32) {
        appendBE16(UInt16(v >> 16)); appendBE16(UInt16(truncatingIfNeeded: v))
    }

    /// Appends one option in its wire encoding. Throws `WireError.optionsTooLong` if it would pass 40 bytes.
    public mutating func append(_ option: TCPOption) throws(WireError) {
        guard count + option.encodedLength <= Self.capacity else {
            throw .optionsTooLong(count + option.encodedLength)
        }
        switch option {
        case .endOfList: appendByte(0)
        case .noOperation: appendByte(1)
        case .maxSegmentSize(let mss): appendByte(2); appendByte(4); appendBE16(mss)
        case .windowScale(let shift): appendByte(3); appendByte(3); appendByte(shift)
        case .sackPermitted: appendByte(4); appendByte(2)
        case .sack(let blocks):
            appendByte(5); appendByte(UInt8(2 + 8 * blocks.count))
            for b in blocks { appendBE32(b.left); appendBE32(b.right) }
        case .timestamps(let value, let echo):
            appendByte(8); appendByte(10); appendBE32(value); appendBE32(echo)
        case .unknown(let kind, let data):
            appendByte(kind); appendByte(UInt8(2 + data.count))
            for b in data { appendByte(b) }
        }
    }

    /// The SYN / SYN-ACK layout Linux sends (`tcp_options_write`): `mss,sackOK,TS val ecr,nop,wscale`, with
    /// `nop,nop` standing in for sackOK when only timestamps are on, `nop,nop,sackOK` when only SACK is, and
    /// `nop,wscale` last when scaling is on. At most 20 bytes, so it cannot fail: no throwing, no option values.
    public init(
        synMSS mss: UInt16, sackPermitted: Bool, timestamps: (value: UInt32, echoReply: UInt32)?, windowScale: UInt8?
    ) {
        // Every piece lands at a fixed 4-byte position, so the words are assembled directly.
        words.w0 = 0x0402 | UInt64(mss.bigEndian) << 16
        var n = 4
        if let ts = timestamps {
            words.w0 |= (sackPermitted ? 0x0204 : 0x0101) << 32 | 0x0a08 << 48
            words.w1 = UInt64(ts.value.bigEndian) | UInt64(ts.echoReply.bigEndian) << 32
            n = 16
        } else if sackPermitted {
            words.w0 |= 0x0204_0101 << 32
            n = 8
        }
        if let ws = windowScale {
            let chunk: UInt64 = 0x0303_01 | UInt64(ws) << 24
            switch n {
            case 4: words.w0 |= chunk << 32
            case 8: words.w1 = chunk
            default: words.w2 = chunk
            }
            n += 4
        }
        count = n
    }

    /// Appends `nop,nop,TS val ecr`, the aligned layout of every non-SYN segment once timestamps are agreed
    /// (RFC 7323 Appendix A), when it fits (12 bytes); returns whether it did. Non-throwing.
    @discardableResult
    public mutating func appendAlignedTimestamps(value: UInt32, echoReply: UInt32) -> Bool {
        guard count + 12 <= Self.capacity else { return false }
        appendChunk(0x0101, 2)
        appendTimestamps(value, echoReply)
        return true
    }

    private mutating func appendTimestamps(_ value: UInt32, _ echo: UInt32) {
        appendChunk(0x0a08 | UInt64(value.bigEndian) << 16 | UInt64(echo.bigEndian) << 48, 8)
        appendChunk(UInt64(echo.bigEndian) >> 16, 2)
    }

    /// Appends `n` (1...8) bytes held in wire order in `chunk`, first byte lowest: a word or two of shifts
    /// instead of a byte at a time. The caller has checked the room.
    private mutating func appendChunk(_ chunk: UInt64, _ n: Int) {
        let bit = UInt64(count & 7) * 8
        orWord(count >> 3, chunk << bit)
        if bit != 0, bit + UInt64(n) * 8 > 64 { orWord((count >> 3) + 1, chunk >> (64 - bit)) }
        count += n
    }

    private mutating func orWord(_ index: Int, _ bits: UInt64) { words.orWord(index, bits) }

    /// Checks that every option's length field fits inside the area (after EOL the rest is padding).
    private func validate() throws(WireError) {
        var i = 0
        while i < count {
            let kind = self[byte: i]
            if kind == 0 { return }
            if kind == 1 { i += 1; continue }
            guard i + 1 < count else { throw .optionLengthOverrun(offset: i) }
            let len = Int(self[byte: i + 1])
            guard len >= 2, i + len <= count else { throw .optionLengthOverrun(offset: i) }
            i += len
        }
    }

    fileprivate func be16(_ i: Int) -> UInt16 { UInt16(self[byte: i]) << 8 | UInt16(self[byte: i + 1]) }
    fileprivate func be32(_ i: Int) -> UInt32 { UInt32(be16(i)) << 16 | UInt32(be16(i + 2)) }

    /// Finds the first option of `kind` with exactly `length` bytes; returns its offset.
    private func find(kind: UInt8, length: Int) -> Int? {
        var i = 0
        while i < count {
            let k = self[byte: i]
            if k == 0 { return nil }
            if k == 1 { i += 1; continue }
            guard i + 1 < count else { return nil }
            let len = Int(self[byte: i + 1])
            guard len >= 2 else { return nil }
            if k == kind && len == length { return i }
            i += len
        }
        return nil
    }

    /// Whether an option of `kind` appears before the end of the list (any length).
    private func contains(kind: UInt8) -> Bool {
        var i = 0
        while i < count {
            let k = self[byte: i]
            if k == kind { return true }
            if k == 0 { return false }
            if k == 1 { i += 1; continue }
            guard i + 1 < count else { return false }
            let len = Int(self[byte: i + 1])
            guard len >= 2 else { return false }
            i += len
        }
        return false
    }

    /// The MSS option's value (kind 2), if present and well formed.
    public var mss: UInt16? { find(kind: 2, length: 4).map { be16($0 + 2) } }
    /// The window-scale shift count (kind 3), if present and well formed.
    public var windowScale: UInt8? { find(kind: 3, length: 3).map { self[byte: $0 + 2] } }
    /// True if SACK-permitted (kind 4) is present.
    public var sackPermitted: Bool { find(kind: 4, length: 2) != nil }
    /// The timestamps option (kind 8): TSval and TSecr, if present and well formed.
    public var timestamps: (value: UInt32, echoReply: UInt32)? {
        find(kind: 8, length: 10).map { (be32($0 + 2), be32($0 + 6)) }
    }
    /// The blocks of the first SACK option (kind 5); empty if there is none.
    public var sackBlocks: [SACKBlock] {
        // Most segments carry none: a scan of the kinds is cheaper than decoding every option.
        guard contains(kind: 5) else { return [] }
        for option in self { if case .sack(let blocks) = option { return blocks } }
        return []
    }
}

extension TCPOptions: Sequence {
    /// Yields each option in order; a malformed or odd-sized known kind comes out as `.unknown`.
    public struct Iterator: IteratorProtocol {
        let options: TCPOptions
        var i = 0

        /// The next option, or nil past the last byte or after end-of-list.
        public mutating func next() -> TCPOption? {
            guard i < options.count else { return nil }
            let kind = options[byte: i]
            switch kind {
            case 0: i = options.count; return .endOfList
            case 1: i += 1; return .noOperation
            default: break
            }
            guard i + 1 < options.count else {
                i = options.count
                return .unknown(kind: kind, data: [])
            }
            let len = Int(options[byte: i + 1])
            let start = i
            guard len >= 2, start + len <= options.count else {
                i = options.count
                return .unknown(kind: kind, data: (start + 1..<options.count).map { options[byte: $0] })
            }
            i += len
            switch (kind, len) {
            case (2, 4): return .maxSegmentSize(options.be16(start + 2))
            case (3, 3): return .windowScale(options[byte: start + 2])
            case (4, 2): return .sackPermitted
            case (5, _) where len >= 10 && (len - 2) % 8 == 0:
                let blocks = stride(from: start + 2, to: start + len, by: 8).map {
                    SACKBlock(left: options.be32($0), right: options.be32($0 + 4))
                }
                return .sack(blocks)
            case (8, 10): return .timestamps(value: options.be32(start + 2), echoReply: options.be32(start + 6))
            default:
                return .unknown(kind: kind, data: (start + 2..<start + len).map { options[byte: $0] })
            }
        }
    }

    /// Iterates the options in wire order.
    public func makeIterator() -> Iterator { Iterator(options: self) }
}
