#if canImport(Glibc)
import Glibc
#endif

/// Why a live-kernel operation failed.
public enum HostNetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed with `errno`.
    case system(call: String, errno: Int32)
    /// A kernel file could not be read or parsed.
    case unreadable(path: String)
    /// The kernel or our privileges do not allow this; the text says why.
    case unsupported(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .unreadable(let path): return "cannot read \(path)"
        case .unsupported(let why): return why
        }
    }
}
