/// A set of TCP ports written as the kernel writes `ip_local_reserved_ports`: `"8080,50000-50010"`.
public struct PortSet: Equatable, Sendable, CustomStringConvertible {
    /// Sorted, non-overlapping, non-adjacent ranges.
    public private(set) var ranges: [ClosedRange<UInt16>]

    public init<S: Sequence>(_ ranges: S) where S.Element == ClosedRange<UInt16> {
        var merged: [ClosedRange<UInt16>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, UInt32(r.lowerBound) <= UInt32(last.upperBound) + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        self.ranges = merged
    }

    /// Parses the kernel's text form; nil when malformed. An empty string is the empty set.
    public init?(parsing text: String) {
        var ranges: [ClosedRange<UInt16>] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let lo = UInt16(bounds[0]), let hi = UInt16(bounds.last!), lo <= hi
            else { return nil }
            ranges.append(lo...hi)
        }
        self.init(ranges)
    }

    public func contains(_ port: UInt16) -> Bool {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < port { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(port)
    }

    /// This set with `ports` added.
    public func adding<S: Sequence>(_ ports: S) -> PortSet where S.Element == UInt16 {
        PortSet(ranges + ports.map { $0...$0 })
    }

    public var description: String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }
}
