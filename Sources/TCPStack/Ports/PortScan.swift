/// What every allocator shares: the range and the reserved ports, and the one question each probe asks.
public struct PortPolicy: Hashable, Sendable {
    /// The ports an allocator may pick from.
    public var range: PortRange
    /// Ports in the range it must skip.
    public var reserved: ReservedPorts

    /// A policy over `range`, skipping `reserved`.
    public init(range: PortRange, reserved: ReservedPorts = .none) {
        self.range = range
        self.reserved = reserved
    }

    /// A probe succeeds when the port is not reserved and the host stack says it is free for this use
    /// (not held by bind()/a listener, and the 4-tuple would be unique).
    @inline(__always)
    func accepts(_ port: Int, _ isUsable: (UInt16) -> Bool) -> Bool {
        let p = UInt16(truncatingIfNeeded: port)
        return !reserved.contains(p) && isUsable(p)
    }

    var low: Int { Int(range.lower) }
    var count: Int { range.count }
}
