#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Waits for SIGINT or SIGTERM so a long-running command can shut down cleanly.
public enum TerminationSignals {
    /// Suspends until SIGINT or SIGTERM arrives and returns its number. From the first call on, the two signals
    /// no longer kill the process: they are delivered here instead.
    public static func wait() async -> Int32 {
        let received = Mutex<CheckedContinuation<Int32, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            received.withLock { $0 = continuation }
            let sources = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    received.withLock { $0.take() }?.resume(returning: number)
                }
                source.resume()
                return source
            }
            // The sources must outlive this scope; they live as long as the process, which is about to exit.
            _ = Unmanaged.passRetained(SignalSources(sources))
        }
    }
}

private final class SignalSources {
    let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
}
