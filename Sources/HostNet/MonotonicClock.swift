#if canImport(Glibc)
import Glibc
#endif

/// Reads CLOCK_MONOTONIC (a vDSO call, cheap enough for a hot loop). HostNet measures live kernels, so it reads
/// the clock; the sans-IO modules never do.
public struct MonotonicClock: Sendable {
    public init() {}

    /// Seconds since an arbitrary fixed point.
    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
