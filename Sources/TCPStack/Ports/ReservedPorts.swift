/// The ports connect() and bind(0) must never pick, like `net.ipv4.ip_local_reserved_ports`: a 65,536-bit set.
public struct ReservedPorts: Hashable, Sendable, CustomStringConvertible {
    private var words: [UInt64]

    /// An empty set.
    public init() { words = [UInt64](repeating: 0, count: 1024) }

    /// No port reserved.
    public static let none = ReservedPorts()

    /// The set of `ports`.
    public init<S: Sequence>(_ ports: S) where S.Element == UInt16 {
        self.init()
        for p in ports { insert(p) }
    }

    /// Parses the sysctl text: comma-separated ports and inclusive ranges, e.g. "8080,9000-9010"; empty means none.
    /// Whitespace around items is ignored. Fails on anything else, an inverted range, or a port above 65535.
    public init(parsing text: String) throws(SocketError) {
        self.init()
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            let bounds = trimmed.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let lo = UInt16(bounds[0]) else { throw .invalidArgument }
            let hi = bounds.count == 2 ? UInt16(bounds[1]) : lo
            guard let hi, lo <= hi else { throw .invalidArgument }
            for p in lo...hi { insert(p) }
        }
    }

    /// True when `port` is reserved.
    public func contains(_ port: UInt16) -> Bool { words[Int(port >> 6)] >> UInt64(port & 63) & 1 == 1 }

    /// Reserves `port`.
    public mutating func insert(_ port: UInt16) { words[Int(port >> 6)] |= 1 << UInt64(port & 63) }

    /// Releases `port`.
    public mutating func remove(_ port: UInt16) { words[Int(port >> 6)] &= ~(1 << UInt64(port & 63)) }

    /// Number of reserved ports.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The sysctl's own format: ascending, runs collapsed to "a-b".
    public var description: String {
        var parts: [String] = []
        var start: Int? = nil
        for p in 0...65536 {
            let set = p < 65536 && contains(UInt16(p))
            if set, start == nil { start = p }
            if !set, let s = start {
                parts.append(s == p - 1 ? "\(s)" : "\(s)-\(p - 1)")
                start = nil
            }
        }
        return parts.joined(separator: ",")
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }
}
