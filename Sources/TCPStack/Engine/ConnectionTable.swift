import TCPWire

/// 4-tuple -> socket index: an open-addressing table (linear probing, backward-shift deletion) with a cheap
/// multiplicative hash keyed by a per-host seed. Demultiplexing touches it on every segment, and Swift's
/// `Dictionary` (SipHash-1-3 per lookup) was the largest single cost of a refused connect.
struct ConnectionTable {
    private var keys: [FourTuple?]
    private var values: [Int]
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64

    init(seed: UInt64, capacity: Int = 64) {
        var size = 16
        while size < capacity { size <<= 1 }
        keys = Array(repeating: nil, count: size)
        values = Array(repeating: 0, count: size)
        mask = size - 1
        self.seed = seed
    }

    var isEmpty: Bool { count == 0 }

    private func home(_ k: FourTuple) -> Int {
        var h = seed ^ (UInt64(k.local.port) << 16 | UInt64(k.remote.port))
        switch (k.local.address, k.remote.address) {
        case (.v4(let l), .v4(let r)):
            h = mix(h ^ (UInt64(l.rawValue) << 32 | UInt64(r.rawValue)))
        case (.v6(let l), .v6(let r)):
            h = mix(mix(mix(mix(h ^ l.high) ^ l.low) ^ r.high) ^ r.low)
        default:
            h = mix(h ^ 0x5bd1_e995)
        }
        return Int(truncatingIfNeeded: h) & mask
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

    private func index(of key: FourTuple) -> Int? {
        var i = home(key)
        while let k = keys[i] {
            if k == key { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    subscript(key: FourTuple) -> Int? {
        get { index(of: key).map { values[$0] } }
        set {
            if let value = newValue { insert(key, value) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: FourTuple, _ value: Int) {
        if let i = index(of: key) {
            values[i] = value
            return
        }
        if (count + 1) * 4 > keys.count * 3 { grow() }
        var i = home(key)
        while keys[i] != nil { i = (i + 1) & mask }
        keys[i] = key
        values[i] = value
        count += 1
    }

    private mutating func remove(_ key: FourTuple) {
        guard var hole = index(of: key) else { return }
        keys[hole] = nil
        count -= 1
        // Backward shift: pull later entries of the probe run into the hole when their home allows it.
        var j = hole
        while true {
            j = (j + 1) & mask
            guard let k = keys[j] else { return }
            let h = home(k)
            let inRange = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !inRange {
                keys[hole] = k
                values[hole] = values[j]
                keys[j] = nil
                hole = j
            }
        }
    }

    private mutating func grow() {
        let old = zip(keys, values).compactMap { k, v in k.map { ($0, v) } }
        keys = Array(repeating: nil, count: keys.count * 2)
        values = Array(repeating: 0, count: keys.count)
        mask = keys.count - 1
        count = 0
        for (k, v) in old { insert(k, v) }
    }
}
