import HostNet
import NIOPosix

/// The audit loop behind `selfconnect watch`.
public enum Watch {
    /// Runs one audit, timed by `clock`, and records it (or its failure) into `metrics`.
    public static func auditOnce<C: Clock<Duration>>(
        into metrics: inout AuditMetrics, clock: C = ContinuousClock(),
        audit: () throws(HostNetError) -> AuditReport = { () throws(HostNetError) in try Audit.run() }
    ) throws(HostNetError) {
        let start = clock.now
        do {
            let report = try audit()
            metrics.record(report, elapsed: start.duration(to: clock.now))
        } catch {
            metrics.recordFailure(elapsed: start.duration(to: clock.now))
            throw error
        }
    }

    /// Audits now and then every `interval` (start to start) until the task is cancelled. The audit, which blocks
    /// on netlink and /proc, runs on NIO's blocking-I/O thread pool; a failed audit is counted and the loop goes on.
    /// With `textfile`, every audit also rewrites `DIR/selfconnect.prom` (see ``Textfile``).
    public static func run<C: Clock<Duration>>(
        metrics: AuditMetrics, interval: Duration, clock: C = ContinuousClock(), textfile: String? = nil,
        audit: @escaping @Sendable () throws(HostNetError) -> AuditReport = { () throws(HostNetError) in
            try Audit.run()
        }
    ) async {
        var metrics = metrics
        var next = clock.now
        while !Task.isCancelled {
            let current = metrics
            guard let updated = try? await NIOThreadPool.singleton.runIfActive({ () -> AuditMetrics in
                var copy = current
                try? auditOnce(into: &copy, clock: clock, audit: audit)
                if let textfile { try? Textfile.write(copy.registry, to: textfile) }
                return copy
            }) else { return }
            metrics = updated
            // An audit that overran its slot starts the next one at once rather than piling up.
            next = max(next.advanced(by: interval), clock.now)
            do { try await clock.sleep(until: next, tolerance: nil) } catch { return }
        }
    }
}
