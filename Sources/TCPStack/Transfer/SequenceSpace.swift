/// Modular comparisons on raw 32-bit sequence numbers (RFC 9293 §3.4) for the transfer components, which take
/// plain `UInt32` so that the engine can adopt them whatever its own sequence-number type is.
enum SequenceSpace {
    /// `b - a` as a signed distance, valid while the two are less than 2^31 apart.
    @inline(__always) static func distance(_ a: UInt32, _ b: UInt32) -> Int { Int(Int32(bitPattern: b &- a)) }
    @inline(__always) static func lt(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
    @inline(__always) static func le(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) <= 0 }
    @inline(__always) static func max(_ a: UInt32, _ b: UInt32) -> UInt32 { lt(a, b) ? b : a }
    @inline(__always) static func min(_ a: UInt32, _ b: UInt32) -> UInt32 { lt(a, b) ? a : b }
}
