/// A point on the injected clock, in nanoseconds from an arbitrary origin. The engine never reads a clock:
/// every input carries the current `Instant`, and timers are reported as the `Instant` to call back at.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// The instant `nanoseconds` after the origin.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The origin.
    public static let zero = Instant(nanoseconds: 0)

    /// The instant `ms` milliseconds after the origin.
    public static func milliseconds(_ ms: Int64) -> Instant { Instant(nanoseconds: ms * 1_000_000) }

    /// Orders instants in time.
    public static func < (l: Instant, r: Instant) -> Bool { l.nanoseconds < r.nanoseconds }

    /// The instant `r` later (earlier for a negative `r`).
    public static func + (l: Instant, r: Duration) -> Instant {
        Instant(nanoseconds: l.nanoseconds + r.nanosecondsValue)
    }

    /// The time from `r` to `l`.
    public static func - (l: Instant, r: Instant) -> Duration { .nanoseconds(l.nanoseconds - r.nanoseconds) }

    /// The nanoseconds since the origin, with an `ns` suffix.
    public var description: String { "\(nanoseconds)ns" }
}

/// Duration as the engine's clock arithmetic needs it: whole nanoseconds, cheaply.
extension Duration {
    /// Whole nanoseconds, truncated toward zero (our durations are far shorter than 292 years). `components`
    /// costs several 128-bit divisions and every timer and timestamp goes through here, so durations under
    /// about 9 s (RTOs, timestamps, test steps) divide in 64 bits; longer ones take one 128-bit division.
    public var nanosecondsValue: Int64 {
        let a = attoseconds
        if let small = Int64(exactly: a) { return small / 1_000_000_000 }
        return Int64(a / 1_000_000_000)
    }
}
