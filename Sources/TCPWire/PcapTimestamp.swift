/// A capture timestamp: seconds since the Unix epoch (UTC) and nanoseconds within the second.
public struct PcapTimestamp: Hashable, Sendable, Comparable {
    /// Whole seconds since the Unix epoch, UTC.
    public var seconds: Int64
    /// Nanoseconds within the second, below 1 000 000 000.
    public var nanoseconds: UInt32

    /// Builds a timestamp; `nanoseconds` must be below one second.
    public init(seconds: Int64, nanoseconds: UInt32 = 0) {
        precondition(nanoseconds < 1_000_000_000, "nanoseconds must be below one second")
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Builds a timestamp at microsecond resolution, as classic pcap files store it.
    public init(seconds: Int64, microseconds: UInt32) {
        self.init(seconds: seconds, nanoseconds: microseconds * 1000)
    }

    /// The fraction of the second in microseconds, truncated.
    public var microseconds: UInt32 { nanoseconds / 1000 }

    /// Orders timestamps in time.
    public static func < (l: Self, r: Self) -> Bool { (l.seconds, l.nanoseconds) < (r.seconds, r.nanoseconds) }

    /// `HH:MM:SS.ffffff` in UTC, as tcpdump prints with TZ=UTC (microseconds, truncated).
    public var timeOfDayUTC: String {
        let day = ((seconds % 86_400) + 86_400) % 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var micro = String(microseconds)
        micro = String(repeating: "0", count: 6 - micro.count) + micro
        return "\(two(day / 3600)):\(two(day / 60 % 60)):\(two(day % 60)).\(micro)"
    }
}
