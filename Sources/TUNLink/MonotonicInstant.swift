import Glibc
import TCPStack

/// The engine's clock over TUN: CLOCK_MONOTONIC, as an `Instant` from when the driver started.
struct MonotonicInstant {
    private let origin: Int64

    init() { origin = Self.raw() }

    func now() -> Instant { Instant(nanoseconds: Self.raw() - origin) }

    private static func raw() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
