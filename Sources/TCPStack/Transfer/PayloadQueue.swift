import TCPWire

/// The send queue's bytes, held in chunks that segments view without copying (as Linux's skbs hold page
/// fragments). A write is copied once, into the tail chunk's free space; a segment's payload is then a view into
/// its chunk, and acknowledging bytes only drops the chunks left behind, which the last view of them frees.
///
/// Bytes once written are never written again, so views stay valid whatever the queue does next, and the queue
/// is a value: copies share chunks, and only the copy that claims a chunk's free space first may fill it (the
/// other starts a new chunk). Idle connections hold no chunk.
struct PayloadQueue: Sendable {
    private struct Chunk: Sendable {
        var buffer: PayloadBuffer
        /// This queue's bytes are `start..<end` of the buffer.
        var start: Int
        var end: Int
    }

    /// In stream order; only the last may have free space this queue can fill.
    private var chunks: [Chunk] = []
    private var countValue: UInt32 = 0

    /// A chunk holds at least this much, and a new one twice what is queued, up to `largestChunk` (or the write,
    /// if larger), so that a segment seldom spans two chunks (it is then the one copy a segment costs).
    static let smallestChunk = 1 << 10
    static let largestChunk = 1 << 20

    init() {}

    /// Bytes queued.
    var count: Int { Int(countValue) }
    var isEmpty: Bool { countValue == 0 }
    /// Bytes of storage the queue holds now (what the memory bench charges to buffers, not to the connection).
    var storageBytes: Int {
        if chunks.isEmpty { return 0 }
        var total = 0
        for c in chunks { total += c.buffer.capacity }
        return total
    }

    /// Appends `bytes`; returns how many.
    @discardableResult
    mutating func append<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        let n = bytes.count
        guard n > 0 else { return 0 }
        if bytes.withContiguousStorageIfAvailable({ append(raw: UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { append(raw: $0) }
        }
        return n
    }

    private mutating func append(raw: UnsafeRawBufferPointer) {
        var src = raw.baseAddress!
        var left = raw.count
        if let last = chunks.indices.last {
            let at = chunks[last].end
            let k = Swift.min(left, chunks[last].buffer.capacity - at)
            if k > 0, chunks[last].buffer.claim(from: at, count: k) {
                (chunks[last].buffer.bytes + at).copyMemory(from: src, byteCount: k)
                chunks[last].end = at + k
                src += k
                left -= k
            }
        }
        if left > 0 {
            let buffer = newChunk(holding: left, queued: count + raw.count)
            buffer.bytes.copyMemory(from: src, byteCount: left)
            chunks.append(Chunk(buffer: buffer, start: 0, end: left))
        }
        countValue &+= UInt32(truncatingIfNeeded: raw.count)
    }

    /// A chunk for `left` bytes, claimed: the spare (a used-up chunk kept at the front) when no segment views it
    /// any more, else a new one. Reusing it keeps a bulk sender's memory warm instead of mapping fresh pages.
    private mutating func newChunk(holding left: Int, queued: Int) -> PayloadBuffer {
        if !chunks.isEmpty, chunks[0].start == chunks[0].end, chunks[0].buffer.capacity >= left,
           isKnownUniquelyReferenced(&chunks[0].buffer)
        {
            let spare = chunks.removeFirst().buffer
            spare.reset(claimed: left)
            return spare
        }
        var size = Self.smallestChunk
        while size < 2 * queued && size < Self.largestChunk { size <<= 1 }
        let buffer = PayloadBuffer(capacity: Swift.max(size, left))
        _ = buffer.claim(from: 0, count: left)
        return buffer
    }

    /// Drops `n` bytes from the front (acknowledged). Used-up chunks are let go, except a tail chunk with room
    /// (later writes fill it) and one spare kept at the front for `newChunk(holding:queued:)`.
    mutating func discard(_ n: Int) {
        var n = Swift.min(n, count)
        guard n > 0 else { return }
        countValue -= UInt32(truncatingIfNeeded: n)
        var i = 0
        while n > 0 {
            if chunks[i].start == chunks[i].end {
                i += 1
                continue
            }
            let take = Swift.min(n, chunks[i].end - chunks[i].start)
            chunks[i].start += take
            n -= take
        }
        // Chunks before the first with bytes (or before the tail) are used up: keep the last of them as the spare.
        var used = 0
        while used < chunks.count - 1 && chunks[used].start == chunks[used].end { used += 1 }
        if used > 1 { chunks.removeFirst(used - 1) }
    }

    /// Empties the queue and lets its chunks go (the spare too).
    mutating func removeAll() {
        chunks = []
        countValue = 0
    }

    /// The chunk holding the byte `offset` bytes from the front, and that byte's position in the chunk's buffer.
    private func locate(_ offset: Int) -> (chunk: Int, at: Int) {
        var rest = offset
        for (i, c) in chunks.enumerated() {
            let n = c.end - c.start
            if rest < n { return (i, c.start + rest) }
            rest -= n
        }
        preconditionFailure("PayloadQueue offset out of range")
    }

    /// The byte `offset` bytes from the front.
    subscript(offset: Int) -> UInt8 {
        precondition(offset >= 0 && offset < count, "PayloadQueue index out of range")
        let (i, at) = locate(offset)
        return chunks[i].buffer.bytes.load(fromByteOffset: at, as: UInt8.self)
    }

    /// `n` bytes starting `offset` bytes from the front: a view into their chunk, or, when they span two
    /// chunks, one copy.
    func bytes(offset: Int, count n: Int) -> Payload {
        precondition(offset >= 0 && n >= 0 && offset + n <= count, "PayloadQueue.bytes out of range")
        guard n > 0 else { return Payload() }
        var (i, at) = locate(offset)
        if at + n <= chunks[i].end { return Payload(buffer: chunks[i].buffer, offset: at, count: n) }
        return Payload(unsafeUninitializedCount: n) { dst in
            var done = 0
            while done < n {
                let k = Swift.min(n - done, chunks[i].end - at)
                (dst.baseAddress! + done).copyMemory(from: chunks[i].buffer.bytes + at, byteCount: k)
                done += k
                i += 1
                if i < chunks.count { at = chunks[i].start }
            }
        }
    }
}
