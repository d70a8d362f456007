/// A point on the injected clock, in nanoseconds from an arbitrary origin. The engine never reads a clock:
/// every input carries the current `Instant`, and timers are reported as the `Instant` to call back at.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func milliseconds(_ ms: Int64) -> Instant { Instant(nanoseconds: ms * 1_000_000) }

    public static func < (l: Instant, r: Instant) -> Bool { l.nanoseconds < r.nanoseconds }

    public static func + (l: Instant, r: Duration) -> Instant {
        Instant(nanoseconds: l.nanoseconds + r.nanosecondsValue)
    }

    public static func - (l: Instant, r: Instant) -> Duration { .nanoseconds(l.nanoseconds - r.nanoseconds) }

    public var description: String { "\(nanoseconds)ns" }
}

extension Duration {
    /// Whole nanoseconds, truncated toward zero (our durations are far shorter than 292 years). One 128-bit
    /// division: `components` costs several, and every timer and timestamp goes through here.
    public var nanosecondsValue: Int64 {
        Int64(attoseconds / 1_000_000_000)
    }
}
