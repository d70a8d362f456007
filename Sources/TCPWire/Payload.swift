import Synchronization

/// A segment's data: a read-only view of a range of bytes in shared storage, the way an skb fragment or an mbuf
/// cluster points into a page rather than owning a copy.
///
/// The storage is an array (a parsed packet's bytes, or an array a caller handed over) or a chunk of a send queue.
/// Bytes a payload views are never written again while any view holds them, so a payload is a value: copying
/// it, slicing it with ``extracting(_:)`` and keeping it after its source moved on are all free and safe.
/// Equality and hashing compare the bytes, not where they live; ``sharesStorage(with:)`` tells the two apart.
@_eagerMove  // As arrays are: a payload's lifetime may end at its last use (a segment then moves, not copies).
public struct Payload: Sendable {
    /// The storage viewed, nil when there are no bytes. One optional reference, so that copying a payload (and a
    /// segment or packet holding one) is a single retain, as it was for an array.
    @usableFromInline var storage: PayloadStorage?
    /// Where the view starts in the storage, and how many bytes it covers (a segment holds under 4 GiB).
    @usableFromInline var lower: UInt32
    @usableFromInline var length: UInt32

    @inlinable init(storage: PayloadStorage?, lower: Int, count: Int) {
        self.storage = storage
        self.lower = UInt32(truncatingIfNeeded: lower)
        self.length = UInt32(truncatingIfNeeded: count)
    }

    /// No bytes.
    @inlinable public init() {
        self.init(storage: nil, lower: 0, count: 0)
    }

    /// A view of all of `bytes`, sharing the array's storage (no copy: arrays are copy-on-write).
    public init(_ bytes: [UInt8]) {
        self.init(storage: bytes.isEmpty ? nil : ArrayPayloadStorage(bytes), lower: 0, count: bytes.count)
    }

    /// `count` bytes written by `initializer` into fresh storage (which need not be zeroed first).
    public init(unsafeUninitializedCount count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(count >= 0 && count <= Int(UInt32.max), "payload size out of range")
        guard count > 0 else {
            self.init()
            return
        }
        let buffer = PayloadBuffer(capacity: count)
        _ = buffer.claim(from: 0, count: count)
        initializer(UnsafeMutableRawBufferPointer(start: buffer.bytes, count: count))
        self.init(storage: buffer, lower: 0, count: count)
    }

    /// A view of `count` bytes at `offset` in `buffer`, which the caller has claimed and filled.
    @inlinable package init(buffer: PayloadBuffer, offset: Int, count: Int) {
        self.init(storage: count == 0 ? nil : buffer, lower: offset, count: count)
    }

    /// The bytes `range` (positions in this payload) as a payload of their own, sharing this one's storage.
    @inlinable public func extracting(_ range: Range<Int>) -> Payload {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "Payload range out of bounds")
        return Payload(storage: range.isEmpty ? nil : storage, lower: Int(lower) &+ range.lowerBound, count: range.count)
    }

    /// Runs `body` over the bytes, in place.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let s = storage else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        if let base = s.base { return try body(UnsafeRawBufferPointer(start: base + Int(lower), count: Int(length))) }
        return try unsafeDowncast(s, to: ArrayPayloadStorage.self).array.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[Int(lower)..<Int(lower) &+ Int(length)]))
        }
    }

    /// The bytes in place when they need no closure to reach (empty, or in a buffer); valid while `self` lives.
    @inlinable var directBytes: UnsafeRawBufferPointer? {
        guard let s = storage else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        guard let base = s.base else { return nil }
        return UnsafeRawBufferPointer(start: base + Int(lower), count: Int(length))
    }

    /// Whether both payloads view the same storage (one may be a part of the other): tells a view from a copy.
    public func sharesStorage(with other: Payload) -> Bool {
        guard let a = storage, let b = other.storage else { return false }
        if a === b { return true }
        guard a.base == nil, b.base == nil else { return false }
        return unsafeDowncast(a, to: ArrayPayloadStorage.self).array.withUnsafeBytes { x in
            unsafeDowncast(b, to: ArrayPayloadStorage.self).array.withUnsafeBytes { y in x.baseAddress == y.baseAddress }
        }
    }
}

extension Payload: RandomAccessCollection {
    /// Positions run from 0 to `count`, whatever part of its storage the payload views.
    public typealias Index = Int
    /// The positions of a payload.
    public typealias Indices = Range<Int>

    /// Always 0.
    @inlinable public var startIndex: Int { 0 }
    /// The number of bytes.
    @inlinable public var endIndex: Int { Int(length) }
    /// The number of bytes.
    @inlinable public var count: Int { Int(length) }
    /// Whether there are no bytes.
    @inlinable public var isEmpty: Bool { length == 0 }

    /// The byte at `position`.
    @inlinable public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "Payload index out of range")
        return withUnsafeBytes { $0[position] }
    }

    /// Runs `body` over the bytes in place (so `Array(payload)`, `append(contentsOf:)` and the like copy in bulk).
    @inlinable public func withContiguousStorageIfAvailable<R>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R? {
        try withUnsafeBytes { raw in try body(raw.assumingMemoryBound(to: UInt8.self)) }
    }
}

extension Payload: ExpressibleByArrayLiteral {
    /// A payload of the listed bytes.
    @inlinable public init(arrayLiteral elements: UInt8...) {
        self.init(elements)
    }
}

extension Payload: Hashable {
    /// Equal when the bytes are, wherever they are stored.
    public static func == (a: Payload, b: Payload) -> Bool {
        guard a.length == b.length else { return false }
        if a.length == 0 { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }

    /// Hashes the bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Compares a payload's bytes with an array's.
    public static func == (a: Payload, b: [UInt8]) -> Bool { a == Payload(b) }
    /// Compares an array's bytes with a payload's.
    public static func == (a: [UInt8], b: Payload) -> Bool { Payload(a) == b }
    /// Whether a payload's bytes differ from an array's.
    public static func != (a: Payload, b: [UInt8]) -> Bool { !(a == b) }
    /// Whether an array's bytes differ from a payload's.
    public static func != (a: [UInt8], b: Payload) -> Bool { !(a == b) }
}

extension Payload: CustomStringConvertible {
    /// As an array of bytes prints.
    public var description: String { Array(self).description }
}

/// What a payload views: bytes the storage allocated (`PayloadBuffer`, `base` set) or an array's.
public class PayloadStorage: @unchecked Sendable {
    // @unchecked: the bytes are only read once written (see `PayloadBuffer`); an array is immutable here.
    /// Where the bytes start when this storage allocated them; nil for an array's (reached through the array).
    @usableFromInline let base: UnsafeMutableRawPointer?

    @usableFromInline init(base: UnsafeMutableRawPointer?) { self.base = base }
}

/// An array's bytes, viewed in place (the array's storage is shared, not copied).
@usableFromInline final class ArrayPayloadStorage: PayloadStorage, @unchecked Sendable {
    @usableFromInline let array: [UInt8]

    init(_ array: [UInt8]) {
        self.array = array
        super.init(base: nil)
    }
}

/// Storage that payloads view: bytes below the claimed mark are written once and then only read, so any number
/// of views and of send queues may share it. Whoever claims bytes past the mark (`claim(from:count:)`) is the
/// one writer of those bytes; a copied send queue that finds the mark moved on starts a new buffer instead.
public final class PayloadBuffer: PayloadStorage, @unchecked Sendable {
    // @unchecked: `base` is written only in ranges claimed through the atomic mark, and read only below it.
    /// Bytes allocated.
    package let capacity: Int
    private let claimed: Atomic<Int>

    /// An empty buffer of `capacity` bytes.
    package init(capacity: Int) {
        self.capacity = capacity
        claimed = Atomic(0)
        super.init(base: UnsafeMutableRawPointer.allocate(byteCount: Swift.max(capacity, 1), alignment: 16))
    }

    deinit { bytes.deallocate() }

    /// Claims `count` bytes at `from` if nobody has claimed past `from`; the caller then writes them.
    package func claim(from: Int, count: Int) -> Bool {
        guard from + count <= capacity else { return false }
        return claimed.compareExchange(expected: from, desired: from + count, ordering: .relaxed).exchanged
    }

    /// Forgets every claim but the first `claimed` bytes: only for a buffer no view or queue holds any more
    /// (`isKnownUniquelyReferenced`), whose holder then writes those bytes.
    package func reset(claimed count: Int) { claimed.store(count, ordering: .relaxed) }

    /// Where the bytes start (to write claimed bytes).
    @inlinable package var bytes: UnsafeMutableRawPointer { base.unsafelyUnwrapped }
}
