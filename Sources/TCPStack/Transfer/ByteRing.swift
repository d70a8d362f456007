/// A byte ring, the storage under the engine's send and receive buffers. It holds under 4 GiB, so positions are
/// stored in 32 bits: two rings sit in every `Connection`. Dropping bytes from the front is O(1) and taking a range
/// copies only that range, so
/// acknowledging or reading never moves the rest. Storage grows by doubling as bytes arrive, up to what the
/// content needs, so idle connections cost no buffer memory.
struct ByteRing: Sendable, Hashable {
    /// Power-of-two sized (or empty), so positions wrap with a mask.
    private var storage: [UInt8] = []
    private var headValue: UInt32 = 0
    private var countValue: UInt32 = 0

    init() {}

    private var head: Int {
        get { Int(headValue) }
        set { headValue = UInt32(newValue) }
    }
    private(set) var count: Int {
        get { Int(countValue) }
        set { countValue = UInt32(newValue) }
    }
    var isEmpty: Bool { count == 0 }
    /// Bytes of storage allocated now (what the memory bench charges to buffers, not to the connection).
    var storageBytes: Int { storage.count }

    /// Appends `bytes`; returns how many.
    @discardableResult
    mutating func append<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        let n = bytes.count
        guard n > 0 else { return 0 }
        reserve(count + n)
        let mask = storage.count - 1
        let at = (head + count) & mask
        let first = Swift.min(n, storage.count - at)
        let copied: Void? = bytes.withContiguousStorageIfAvailable { src in
            storage.withUnsafeMutableBufferPointer { dst in
                let base = dst.baseAddress!
                (base + at).update(from: src.baseAddress!, count: first)
                if first < n { base.update(from: src.baseAddress! + first, count: n - first) }
            }
        }
        if copied == nil {
            var i = at
            for b in bytes.prefix(n) {
                storage[i] = b
                i = (i + 1) & mask
            }
        }
        count += n
        return n
    }

    /// Makes room for `total` bytes: a power-of-two store, the content moved to its start.
    private mutating func reserve(_ total: Int) {
        guard total > storage.count else { return }
        var size = Swift.max(storage.count, 1024)
        while size < total { size <<= 1 }
        var grown = [UInt8](repeating: 0, count: size)
        if count > 0 {
            grown.withUnsafeMutableBufferPointer { dst in copyOut(offset: 0, count: count, to: dst.baseAddress!) }
        }
        storage = grown
        head = 0
    }

    /// Drops `n` bytes from the front.
    mutating func discard(_ n: Int) {
        let n = Swift.min(n, count)
        guard n > 0 else { return }
        count -= n
        head = count == 0 ? 0 : (head + n) & (storage.count - 1)
    }

    /// Empties the ring and gives its storage back.
    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

    /// The byte `offset` bytes from the front.
    subscript(offset: Int) -> UInt8 {
        precondition(offset >= 0 && offset < count, "ByteRing index out of range")
        return storage[(head + offset) & (storage.count - 1)]
    }

    /// `n` bytes starting `offset` bytes from the front, as a new array (the only copy a segment needs).
    func bytes(offset: Int, count n: Int) -> [UInt8] {
        precondition(offset >= 0 && n >= 0 && offset + n <= count, "ByteRing.bytes out of range")
        guard n > 0 else { return [] }
        // Built from raw buffers: this initializer is specialized for bytes, where `unsafeUninitializedCapacity`
        // looks up the array's generic metadata at run time on every call (callgrind: ~200 instructions).
        return storage.withUnsafeBytes { src in
            let start = (head + offset) & (src.count - 1)
            let first = Swift.min(n, src.count - start)
            var out = Array(UnsafeRawBufferPointer(rebasing: src[start..<start + first]))
            if first < n { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[0..<n - first])) }
            return out
        }
    }

    /// Removes up to `n` bytes from the front and returns them.
    mutating func read(_ n: Int) -> [UInt8] {
        let n = Swift.min(n, count)
        let out = bytes(offset: 0, count: n)
        discard(n)
        return out
    }

    /// Moves up to `out.count` bytes from the front into `out`; returns how many.
    mutating func read(into out: UnsafeMutableRawBufferPointer) -> Int {
        let n = Swift.min(out.count, count)
        guard n > 0 else { return 0 }
        copyOut(offset: 0, count: n, to: out.baseAddress!)
        discard(n)
        return n
    }

    private func copyOut(offset: Int, count n: Int, to dst: UnsafeMutableRawPointer) {
        storage.withUnsafeBufferPointer { src in
            let base = src.baseAddress!
            let start = (head + offset) & (src.count - 1)
            let first = Swift.min(n, src.count - start)
            dst.copyMemory(from: base + start, byteCount: first)
            if first < n { (dst + first).copyMemory(from: base, byteCount: n - first) }
        }
    }
}
