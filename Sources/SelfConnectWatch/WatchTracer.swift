#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet

/// The event source of `watch`: a ``TraceSession`` read on a thread of its own, feeding ``TraceMetrics``.
public final class WatchTracer: @unchecked Sendable {
    private let session: TraceSession
    private let stopPipe: (read: Int32, write: Int32)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts tracing (with each socket's fate, for the lifetime histogram), or throws why it cannot.
    public init(metrics: TraceMetrics) throws(HostNetError) {
        session = try TraceSession(fate: true)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            session.close()
            throw .system(call: "pipe2", errno: errno)
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        stopPipe = (fds[0], fds[1])
        metrics.setTracing(true)
        let thread = Thread { [session, stopPipe, finished] in
            var metrics = metrics
            try? session.run(stopFD: stopPipe.read) { output in
                let time = output.kernelSeconds
                metrics.record(output, wallTime: TraceReportFormat.wallTime(ofMonotonic: time))
                return true
            }
            // Stopped, or the read failed: either way nothing is traced any more.
            metrics.setTracing(false)
            session.close()
            finished.signal()
        }
        thread.name = "selfconnect-trace"
        thread.start()
    }

    /// The stale instances removed at start.
    public var removedStale: [String] { session.removedStale }
    public var instancePath: String { session.instance.path }

    /// Stops the thread (within 200 ms) and removes the instance.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        finished.wait()
        close(stopPipe.read)
        close(stopPipe.write)
    }
}

extension TraceOutput {
    /// The CLOCK_MONOTONIC time of the record.
    public var kernelSeconds: Double {
        switch self {
        case .opened(let open): open.event.time
        case .closed(let close): close.event.time
        }
    }
}
