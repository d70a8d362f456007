#if canImport(Glibc)
import Glibc
#endif
import NIOPosix

/// The self-pipe between the SIGINT/SIGTERM handler and ``TerminationSignals/wait()``: created once, before any
/// handler is installed, and never changed. A signal handler can reach nothing but globals.
private let signalPipe: (read: Int32, write: Int32) = {
    var fds: [Int32] = [-1, -1]
    precondition(pipe(&fds) == 0, "pipe failed: \(errno)")
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return (fds[0], fds[1])
}()

/// Catches SIGINT and SIGTERM so a long-running command can shut down cleanly.
public enum TerminationSignals {
    /// Installs the handlers. Call it before announcing that the service is up: from then on the two signals no
    /// longer kill the process but are kept for ``wait()``, so a signal sent right after the announcement is not lost.
    public static func install() {
        _ = signalPipe  // created here, outside any signal handler
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                // write(2) is async-signal-safe; a full pipe only drops a repeated signal.
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipe.write, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    /// A descriptor that becomes readable once SIGINT or SIGTERM has arrived, for a loop that polls (`trace`).
    public static var descriptor: Int32 { signalPipe.read }

    /// Suspends until SIGINT or SIGTERM has arrived (at once if one already has) and returns its number.
    /// The blocking read gets a thread of its own, so it never takes one the audits need (on a one-core host the
    /// shared blocking pool has a single thread).
    public static func wait() async -> Int32 {
        let reader = NIOThreadPool(numberOfThreads: 1)
        reader.start()
        let received = try? await reader.runIfActive { () -> Int32 in
            var byte: UInt8 = 0
            while read(signalPipe.read, &byte, 1) < 0, errno == EINTR {}
            return Int32(byte)
        }
        try? await reader.shutdownGracefully()
        return received ?? SIGTERM
    }
}
