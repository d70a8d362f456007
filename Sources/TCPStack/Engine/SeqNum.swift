/// A TCP sequence number: arithmetic and comparison modulo 2^32 (RFC 9293 §3.4).
/// Deliberately not `Comparable`: the modular order is not transitive over the whole space.
public struct SeqNum: Hashable, Sendable, CustomStringConvertible {
    /// The 32-bit value as it appears in a header.
    public var rawValue: UInt32

    /// Wraps a header value.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Advances by `r` octets, wrapping at 2^32.
    public static func + (l: SeqNum, r: UInt32) -> SeqNum { SeqNum(l.rawValue &+ r) }
    /// Advances by `r` octets (a negative `r` goes back), wrapping at 2^32.
    public static func + (l: SeqNum, r: Int) -> SeqNum { SeqNum(l.rawValue &+ UInt32(truncatingIfNeeded: r)) }
    /// Goes back by `r` octets, wrapping at 2^32.
    public static func - (l: SeqNum, r: UInt32) -> SeqNum { SeqNum(l.rawValue &- r) }
    /// Advances in place by `r` octets, wrapping at 2^32.
    public static func += (l: inout SeqNum, r: Int) { l = l + r }

    /// Signed distance `l - r`, valid while the two are less than 2^31 apart.
    public static func - (l: SeqNum, r: SeqNum) -> Int { Int(Int32(bitPattern: l.rawValue &- r.rawValue)) }

    /// True when `l` comes before `r` in modular order (less than 2^31 behind it).
    public static func < (l: SeqNum, r: SeqNum) -> Bool { Int32(bitPattern: l.rawValue &- r.rawValue) < 0 }
    /// True when `l` is `r` or comes before it in modular order.
    public static func <= (l: SeqNum, r: SeqNum) -> Bool { Int32(bitPattern: l.rawValue &- r.rawValue) <= 0 }
    /// True when `l` comes after `r` in modular order.
    public static func > (l: SeqNum, r: SeqNum) -> Bool { r < l }
    /// True when `l` is `r` or comes after it in modular order.
    public static func >= (l: SeqNum, r: SeqNum) -> Bool { r <= l }

    /// The earlier of two sequence numbers in modular order.
    public static func earlier(_ a: SeqNum, _ b: SeqNum) -> SeqNum { a < b ? a : b }

    /// The value in decimal, as tcpdump prints absolute sequence numbers.
    public var description: String { String(rawValue) }
}
