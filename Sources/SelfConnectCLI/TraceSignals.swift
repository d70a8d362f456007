#if canImport(Glibc)
import Glibc
#endif

/// The self-pipe `trace` polls beside trace_pipe: SIGINT and SIGTERM write to it, so the loop ends and removes its
/// tracefs instance. Created once, before the handlers; a signal handler can reach nothing but globals.
private let tracePipe: (read: Int32, write: Int32) = {
    var fds: [Int32] = [-1, -1]
    precondition(pipe(&fds) == 0, "pipe failed: \(errno)")
    for fd in fds {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
    return (fds[0], fds[1])
}()

enum TraceSignals {
    /// Installs the handlers and returns the descriptor that becomes readable once a signal arrived.
    static func install() -> Int32 {
        _ = tracePipe
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(tracePipe.write, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        return tracePipe.read
    }
}
