import TCPWire

/// 4-tuple -> socket index: an open-addressing table (linear probing, backward-shift deletion) with a cheap
/// multiplicative hash keyed by a per-host seed. Demultiplexing touches it on every segment, and Swift's
/// `Dictionary` (SipHash-1-3 per lookup) was the largest single cost of a refused connect.
///
/// A probe reads only a slot's stored hash (0 marks an empty slot; stored hashes have their low bit set) and
/// compares the key only when the hash matches. One array, so a snapshot of the table retains one buffer.
struct ConnectionTable {
    private struct Slot {
        var hash: UInt64
        var key: FourTuple
        var value: Int
    }

    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64

    private static let vacant = Slot(
        hash: 0, key: FourTuple(local: Endpoint(.v4(.any), 0), remote: Endpoint(.v4(.any), 0)), value: 0)

    init(seed: UInt64, capacity: Int = 64) {
        var size = 16
        while size < capacity { size <<= 1 }
        slots = Array(repeating: Self.vacant, count: size)
        mask = size - 1
        self.seed = seed
    }

    var isEmpty: Bool { count == 0 }

    /// Never 0 (the low bit is set), so 0 can mark an empty slot.
    @inline(__always) private func hash(_ k: FourTuple) -> UInt64 {
        let h = seed ^ (UInt64(k.local.port) << 16 | UInt64(k.remote.port))
        switch (k.local.address, k.remote.address) {
        case (.v4(let l), .v4(let r)):
            return mix(h ^ (UInt64(l.rawValue) << 32 | UInt64(r.rawValue))) | 1
        case (.v6(let l), .v6(let r)):
            return mix(mix(mix(mix(h ^ l.high) ^ l.low) ^ r.high) ^ r.low) | 1
        default:
            return mix(h ^ 0x5bd1_e995) | 1
        }
    }

    /// A 64-bit finaliser (the murmur3 fmix64 constants).
    @inline(__always) private func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    // The high half picks the slot: the low bit is always set.
    @inline(__always) private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 32) & mask }

    /// The slot holding `key`, or the empty slot that ends its probe run.
    @inline(__always) private func find(_ key: FourTuple, hash h: UInt64) -> (index: Int, found: Bool) {
        var i = home(h)
        while true {
            let stored = slots[i].hash
            if stored == 0 { return (i, false) }
            if stored == h && slots[i].key == key { return (i, true) }
            i = (i + 1) & mask
        }
    }

    subscript(key: FourTuple) -> Int? {
        @inline(__always) get {
            let (i, found) = find(key, hash: hash(key))
            return found ? slots[i].value : nil
        }
        @inline(__always) set {
            if let value = newValue { insert(key, value) } else { remove(key) }
        }
    }

    @inline(__always) private mutating func insert(_ key: FourTuple, _ value: Int) {
        let h = hash(key)
        var (i, found) = find(key, hash: h)
        if found {
            slots[i].value = value
            return
        }
        if (count + 1) * 4 > slots.count * 3 {
            grow()
            i = find(key, hash: h).index
        }
        slots[i] = Slot(hash: h, key: key, value: value)
        count += 1
    }

    @inline(__always) private mutating func remove(_ key: FourTuple) {
        let (found, present) = find(key, hash: hash(key))
        guard present else { return }
        var hole = found
        slots[hole].hash = 0
        count -= 1
        // Backward shift: pull later entries of the probe run into the hole when their home allows it.
        var j = hole
        while true {
            j = (j + 1) & mask
            let h = slots[j].hash
            guard h != 0 else { return }
            let home = home(h)
            let inRange = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j)
            if !inRange {
                slots[hole] = slots[j]
                slots[j].hash = 0
                hole = j
            }
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Self.vacant, count: old.count * 2)
        mask = slots.count - 1
        for e in old where e.hash != 0 {
            var i = home(e.hash)
            while slots[i].hash != 0 { i = (i + 1) & mask }
            slots[i] = e
        }
    }
}
