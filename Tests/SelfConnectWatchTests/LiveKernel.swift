#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Gate for tests that use the live loopback as root. Not root: under CI=true the test fails loudly; elsewhere it
/// is skipped with the reason shown.
enum LiveKernel {
    static let isRoot = geteuid() == 0
    static let inCI = getenv("CI").map { String(cString: $0) == "true" } ?? false
    static let runnable = isRoot || inCI
    static let skipReason: Comment = "needs root on the live kernel (run as root, or set CI=true to make this a failure)"

    static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if isRoot { return true }
        Issue.record("needs root on the live kernel (CI=true): not running as root", sourceLocation: sourceLocation)
        return false
    }
}
