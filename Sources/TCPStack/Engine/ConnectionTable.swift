import TCPWire

/// 4-tuple -> socket index: an open-addressing table (linear probing, backward-shift deletion) with a cheap
/// multiplicative hash keyed by a per-host seed. Demultiplexing touches it on every segment, and Swift's
/// `Dictionary` (SipHash-1-3 per lookup) was the largest single cost of a refused connect.
///
/// A slot holds 32 bits of the key's hash and the socket's index, 8 bytes; the key itself is the socket's
/// `local`/`remote`, compared there once the hash matches (a copy of the 4-tuple made a slot 72 bytes, and the
/// table keeps 1.3-2.7 slots per connection). So a socket's endpoints must not change while it is registered.
struct ConnectionTable {
    private struct Entry {
        /// The low 32 bits of the key's hash: its home slot, then a filter before the key compare.
        var hash: UInt32
        /// The socket's index; -1 for an empty slot.
        var index: Int32
    }

    private static let empty = Entry(hash: 0, index: -1)
    private var entries: [Entry]
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64

    init(seed: UInt64, capacity: Int = 64) {
        var size = 16
        while size < capacity { size <<= 1 }
        entries = Array(repeating: Self.empty, count: size)
        mask = size - 1
        self.seed = seed
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always) private func hash(_ k: FourTuple) -> UInt32 {
        let h = seed ^ (UInt64(k.local.port) << 16 | UInt64(k.remote.port))
        let full: UInt64
        switch (k.local.address, k.remote.address) {
        case (.v4(let l), .v4(let r)):
            full = mix(h ^ (UInt64(l.rawValue) << 32 | UInt64(r.rawValue)))
        case (.v6(let l), .v6(let r)):
            full = mix(mix(mix(mix(h ^ l.high) ^ l.low) ^ r.high) ^ r.low)
        default:
            full = mix(h ^ 0x5bd1_e995)
        }
        return UInt32(truncatingIfNeeded: full)
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

    @inline(__always) private func home(_ hash: UInt32) -> Int { Int(hash) & mask }

    /// The socket registered for `key`, whose endpoints are read from `slots`.
    @inline(__always) func index(of key: FourTuple, in slots: [Connection]) -> Int? {
        let h = hash(key)
        var i = home(h)
        while true {
            let e = entries[i]
            if e.index < 0 { return nil }
            if e.hash == h {
                let s = Int(e.index)
                if slots[s].local == key.local && slots[s].remote == key.remote { return s }
            }
            i = (i + 1) & mask
        }
    }

    /// Registers socket `index` under `key`, which must not be registered yet.
    mutating func insert(_ key: FourTuple, index: Int) {
        if (count + 1) * 4 > entries.count * 3 { grow() }
        let h = hash(key)
        var i = home(h)
        while entries[i].index >= 0 { i = (i + 1) & mask }
        entries[i] = Entry(hash: h, index: Int32(index))
        count += 1
    }

    /// Forgets socket `index`, registered under `key`.
    mutating func remove(_ key: FourTuple, index: Int) {
        let h = hash(key)
        var hole = home(h)
        while true {
            let e = entries[hole]
            if e.index < 0 { return }
            if e.index == Int32(index) { break }
            hole = (hole + 1) & mask
        }
        entries[hole] = Self.empty
        count -= 1
        // Backward shift: pull later entries of the probe run into the hole when their home allows it.
        var j = hole
        while true {
            j = (j + 1) & mask
            let e = entries[j]
            if e.index < 0 { return }
            let h = home(e.hash)
            let inRange = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if !inRange {
                entries[hole] = e
                entries[j] = Self.empty
                hole = j
            }
        }
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Self.empty, count: old.count * 2)
        mask = entries.count - 1
        for e in old where e.index >= 0 {
            var i = home(e.hash)
            while entries[i].index >= 0 { i = (i + 1) & mask }
            entries[i] = e
        }
    }
}
