import TCPWire

extension PortRange {
    /// Linux's default `net.ipv4.ip_local_port_range`, 32768-60999 (61000 before 4.6).
    public static let linuxDefault = PortRange(checkedLower: 32768, upper: 60999)

    private init(checkedLower lower: UInt16, upper: UInt16) {
        self.lower = lower
        self.upper = upper
    }
}

/// The simplest allocator: walk the range from a cursor, wrapping, and take the first usable port.
/// Deterministic and independent of the destination; the personalities bring the real algorithms.
public struct SequentialPortAllocator: PortAllocator {
    /// The ports it walks.
    public let range: PortRange
    private var cursor: UInt16

    /// An allocator whose cursor starts at the range's first port.
    public init(range: PortRange = .linuxDefault) {
        self.range = range
        cursor = range.lower
    }

    /// The next usable port from the cursor, wrapping; the destination plays no part.
    public mutating func connectPort(
        local: IPAddress, remote: Endpoint, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try next(isUsable)
    }

    /// The next usable port from the cursor, wrapping.
    public mutating func bindPort(
        local: IPAddress, isUsable: (UInt16) -> Bool, random: inout SeededRandom
    ) throws(SocketError) -> UInt16 {
        try next(isUsable)
    }

    private mutating func next(_ isUsable: (UInt16) -> Bool) throws(SocketError) -> UInt16 {
        for _ in 0..<range.count {
            let port = cursor
            cursor = cursor == range.upper ? range.lower : cursor + 1
            if isUsable(port) { return port }
        }
        throw .addressNotAvailable
    }
}
