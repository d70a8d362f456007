#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Gate for tests that need the live kernel as root (sockets on lo, sock_diag owners, AF_PACKET, namespaces).
/// Not root: under CI=true the test runs and fails loudly; elsewhere it is skipped with the reason shown.
enum LiveKernel {
    static let isRoot = geteuid() == 0
    static let inCI = getenv("CI").map { String(cString: $0) == "true" } ?? false

    /// Use as `@Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))`.
    static let runnable = isRoot || inCI
    static let skipReason: Comment = "needs root on the live kernel (run as root, or set CI=true to make this a failure)"

    /// Records a failure (under CI) when root is missing; returns false so the test can stop.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if isRoot { return true }
        Issue.record("needs root on the live kernel (CI=true): not running as root", sourceLocation: sourceLocation)
        return false
    }
}
