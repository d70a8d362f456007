/// A TCP sequence number: arithmetic and comparison modulo 2^32 (RFC 9293 §3.4).
/// Deliberately not `Comparable`: the modular order is not transitive over the whole space.
public struct SeqNum: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static func + (l: SeqNum, r: UInt32) -> SeqNum { SeqNum(l.rawValue &+ r) }
    public static func + (l: SeqNum, r: Int) -> SeqNum { SeqNum(l.rawValue &+ UInt32(truncatingIfNeeded: r)) }
    public static func - (l: SeqNum, r: UInt32) -> SeqNum { SeqNum(l.rawValue &- r) }
    public static func += (l: inout SeqNum, r: Int) { l = l + r }

    /// Signed distance `l - r`, valid while the two are less than 2^31 apart.
    public static func - (l: SeqNum, r: SeqNum) -> Int { Int(Int32(bitPattern: l.rawValue &- r.rawValue)) }

    public static func < (l: SeqNum, r: SeqNum) -> Bool { Int32(bitPattern: l.rawValue &- r.rawValue) < 0 }
    public static func <= (l: SeqNum, r: SeqNum) -> Bool { Int32(bitPattern: l.rawValue &- r.rawValue) <= 0 }
    public static func > (l: SeqNum, r: SeqNum) -> Bool { r < l }
    public static func >= (l: SeqNum, r: SeqNum) -> Bool { r <= l }

    /// The earlier of two sequence numbers in modular order.
    public static func earlier(_ a: SeqNum, _ b: SeqNum) -> SeqNum { a < b ? a : b }

    public var description: String { String(rawValue) }
}
