import TCPWire

/// 4-tuple -> socket index: an open-addressing table (linear probing, backward-shift deletion) with a cheap
/// multiplicative hash keyed by a per-host seed. Demultiplexing touches it on every segment, and Swift's
/// `Dictionary` (SipHash-1-3 per lookup) was the largest single cost of a refused connect.
struct ConnectionTable {
    /// One slot: the key, its socket index and its full hash (so probes compare hashes before keys, and the
    /// backward shift never rehashes).
    private struct Entry {
        var key: FourTuple
        var value: Int
        var hash: UInt64
    }

    private var entries: [Entry?]
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64

    init(seed: UInt64, capacity: Int = 64) {
        var size = 16
        while size < capacity { size <<= 1 }
        entries = Array(repeating: nil, count: size)
        mask = size - 1
        self.seed = seed
    }

    var isEmpty: Bool { count == 0 }

    private func hash(_ k: FourTuple) -> UInt64 {
        let h = seed ^ (UInt64(k.local.port) << 16 | UInt64(k.remote.port))
        switch (k.local.address, k.remote.address) {
        case (.v4(let l), .v4(let r)):
            return mix(h ^ (UInt64(l.rawValue) << 32 | UInt64(r.rawValue)))
        case (.v6(let l), .v6(let r)):
            return mix(mix(mix(mix(h ^ l.high) ^ l.low) ^ r.high) ^ r.low)
        default:
            return mix(h ^ 0x5bd1_e995)
        }
    }

    /// A 64-bit finaliser (the murmur3 fmix64 constants).
    private func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & mask }

    /// The slot holding `key`, or the empty slot that ends its probe run.
    private func find(_ key: FourTuple, hash h: UInt64) -> (index: Int, found: Bool) {
        var i = home(h)
        while let e = entries[i] {
            if e.hash == h && e.key == key { return (i, true) }
            i = (i + 1) & mask
        }
        return (i, false)
    }

    subscript(key: FourTuple) -> Int? {
        get {
            let (i, found) = find(key, hash: hash(key))
            return found ? entries[i]?.value : nil
        }
        set {
            if let value = newValue { insert(key, value) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: FourTuple, _ value: Int) {
        let h = hash(key)
        let (i, found) = find(key, hash: h)
        if found {
            entries[i]?.value = value
            return
        }
        if (count + 1) * 4 > entries.count * 3 {
            grow()
            insert(key, value)
            return
        }
        entries[i] = Entry(key: key, value: value, hash: h)
        count += 1
    }

    private mutating func remove(_ key: FourTuple) {
        let (found, present) = find(key, hash: hash(key))
        guard present else { return }
        var hole = found
        entries[hole] = nil
        count -= 1
        // Backward shift: pull later entries of the probe run into the hole when their home allows it.
        var j = hole
        while true {
            j = (j + 1) & mask
            guard let e = entries[j] else { return }
            let h = home(e.hash)
            let inRange = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !inRange {
                entries[hole] = e
                entries[j] = nil
                hole = j
            }
        }
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: nil, count: old.count * 2)
        mask = entries.count - 1
        for e in old {
            guard let e else { continue }
            var i = home(e.hash)
            while entries[i] != nil { i = (i + 1) & mask }
            entries[i] = e
        }
    }
}
