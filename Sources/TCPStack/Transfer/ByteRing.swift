/// A fixed-capacity byte ring, the storage under `SendBuffer` and `ReceiveBuffer`. Storage is allocated on first
/// use so idle connections cost no buffer memory.
struct ByteRing: Sendable, Hashable {
    let capacity: Int
    private var storage: [UInt8] = []
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { self.capacity = Swift.max(capacity, 0) }

    var freeSpace: Int { capacity - count }

    /// Appends as much of `bytes` as fits; returns how many.
    mutating func append<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
        let n = Swift.min(bytes.count, freeSpace)
        guard n > 0 else { return 0 }
        if storage.isEmpty { storage = [UInt8](repeating: 0, count: capacity) }
        let at = (head + count) % capacity
        let first = Swift.min(n, capacity - at)
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
                i = i + 1 == capacity ? 0 : i + 1
            }
        }
        count += n
        return n
    }

    /// Drops `n` bytes from the front.
    mutating func discard(_ n: Int) {
        let n = Swift.min(n, count)
        count -= n
        head = count == 0 ? 0 : (head + n) % capacity
    }

    /// Appends `n` bytes starting `offset` bytes from the front to `out`.
    func copy(offset: Int, count n: Int, into out: inout [UInt8]) {
        precondition(offset >= 0 && n >= 0 && offset + n <= count, "ByteRing.copy out of range")
        guard n > 0 else { return }
        let start = (head + offset) % capacity
        let first = Swift.min(n, capacity - start)
        out.append(contentsOf: storage[start..<start + first])
        if first < n { out.append(contentsOf: storage[0..<n - first]) }
    }
}
