/// Reads TCP sysctls from /proc/sys as raw text, keyed by their path under /proc/sys ("net/ipv4/tcp_sack").
/// Parsing belongs to `TCPStack.SysctlSnapshot(parsing:)`, here too (`KernelSettings.current()`); unreadable
/// entries are simply absent.
public enum HostSysctls {
    public static func read(_ paths: [String], root: String = "/proc/sys") -> [String: String] {
        var values: [String: String] = [:]
        for path in paths {
            if let text = readTextFile(root + "/" + path, limit: 1 << 20) { values[path] = text }
        }
        return values
    }
}
