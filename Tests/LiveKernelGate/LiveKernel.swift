#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Gate for tests that need the live kernel as root (sockets on lo, sock_diag owners, AF_PACKET, namespaces).
/// Not root: under CI=true the test runs and fails loudly; elsewhere it is skipped with the reason shown.
public enum LiveKernel {
    public static let isRoot = geteuid() == 0
    public static let inCI = getenv("CI").map { String(cString: $0) == "true" } ?? false

    /// Use as `@Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))`.
    public static let runnable = isRoot || inCI
    public static let skipReason: Comment = "needs root on the live kernel (run as root, or set CI=true to make this a failure)"

    /// Records a failure (under CI) when root is missing; returns false so the test can stop.
    public static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if isRoot { return true }
        Issue.record("needs root on the live kernel (CI=true): not running as root", sourceLocation: sourceLocation)
        return false
    }
}
