#if canImport(Glibc)
import Glibc
#endif

/// The tracefs mount and our private instances in it (`instances/selfconnect-PID-START`). An instance has its own
/// ring buffer, events and filters, so `trace` never touches the global trace or another tool's settings.
public struct TraceFS: Sendable {
    /// The mount point, e.g. `/sys/kernel/tracing`.
    public let root: String
    /// True when this call mounted tracefs (it stays mounted, where a booted system keeps it).
    public let mountedNow: Bool

    static let prefix = "selfconnect-"

    /// Finds tracefs, mounting it on /sys/kernel/tracing when nothing is mounted there (needs CAP_SYS_ADMIN).
    public static func locate() throws(HostNetError) -> TraceFS {
        for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] where access("\(root)/instances", F_OK) == 0 {
            return TraceFS(root: root, mountedNow: false)
        }
        let root = "/sys/kernel/tracing"
        guard mount("tracefs", root, "tracefs", 0, nil) == 0 else {
            let code = errno
            if code == EPERM || code == EACCES {
                throw .unsupported(
                    "tracing needs root (CAP_SYS_ADMIN) to mount tracefs on \(root): \(String(cString: strerror(code)))")
            }
            throw .unsupported("tracefs is not available: mount tracefs \(root): \(String(cString: strerror(code)))")
        }
        return TraceFS(root: root, mountedNow: true)
    }

    /// Our instances whose process is gone (a SIGKILLed run): removes them and returns their names.
    public func removeStaleInstances() -> [String] {
        var removed: [String] = []
        for name in directoryEntries("\(root)/instances") where name.hasPrefix(Self.prefix) {
            let parts = name.dropFirst(Self.prefix.count).split(separator: "-")
            guard let pid = parts.first.flatMap({ Int32($0) }) else { continue }
            let start = parts.count > 1 ? UInt64(parts[1]) : nil
            let alive = Self.startTime(of: pid).map { start == nil || $0 == start } ?? false
            if !alive, Self.removeDirectory("\(root)/instances/\(name)") { removed.append(name) }
        }
        return removed.sorted()
    }

    /// This process's instance name: the pid and its start time, so a reused pid is not mistaken for us.
    static func instanceName(for pid: Int32) -> String {
        "\(prefix)\(pid)-\(startTime(of: pid) ?? 0)"
    }

    /// Field 22 of /proc/PID/stat (clock ticks since boot); nil when the process does not exist.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = readTextFile("/proc/\(pid)/stat", limit: 4096), let paren = text.lastIndex(of: ")") else {
            return nil
        }
        // After "pid (comm)" come fields 3 onwards; starttime is field 22.
        let fields = text[text.index(after: paren)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// rmdir, retried briefly while a reader still holds the buffer (EBUSY). Bounded: 50 tries, 10 ms apart.
    static func removeDirectory(_ path: String) -> Bool {
        for _ in 0..<50 {
            if rmdir(path) == 0 || errno == ENOENT { return true }
            guard errno == EBUSY else { return false }
            usleep(10_000)
        }
        return false
    }

}

/// One private tracefs instance with `sock:inet_sock_set_state` enabled under a filter. Remove it with
/// ``remove()``; a run killed before that leaves it for ``TraceFS/removeStaleInstances()``.
public struct TraceInstance: Sendable {
    public let path: String
    public let name: String

    /// Creates the instance (mono clock, `bufferKiB` per CPU, tgid recorded, readers woken at once) and enables the
    /// event with `filter`.
    public static func create(in fs: TraceFS, filter: String, bufferKiB: Int) throws(HostNetError) -> TraceInstance {
        let name = TraceFS.instanceName(for: getpid())
        let path = "\(fs.root)/instances/\(name)"
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            let code = errno
            let why = String(cString: strerror(code))
            if code == EPERM || code == EACCES {
                throw .unsupported("tracing needs root (CAP_SYS_ADMIN) to create a tracefs instance in \(fs.root): \(why)")
            }
            throw .system(call: "mkdir(\(path))", errno: code)
        }
        let instance = TraceInstance(path: path, name: name)
        do throws(HostNetError) {
            guard access("\(path)/events/sock/inet_sock_set_state/enable", F_OK) == 0 else {
                throw .unsupported(
                    "this kernel has no sock:inet_sock_set_state tracepoint (Linux >= 4.16 is needed)")
            }
            try instance.write("trace_clock", "mono")
            try instance.write("buffer_size_kb", String(bufferKiB))
            try instance.write("options/record-tgid", "1")
            // Wake a poll()ing reader on every event, not when half the buffer is full (absent before Linux 5.1).
            if access("\(path)/buffer_percent", F_OK) == 0 { try instance.write("buffer_percent", "0") }
            try instance.write("events/sock/inet_sock_set_state/filter", filter)
            try instance.write("events/sock/inet_sock_set_state/enable", "1")
        } catch {
            instance.remove()
            throw error
        }
        return instance
    }

    func write(_ file: String, _ value: String) throws(HostNetError) {
        let full = "\(path)/\(file)"
        let fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { throw .system(call: "open(\(full))", errno: errno) }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw .system(call: "write(\(full), \(value))", errno: errno) }
    }

    /// Disables the event and removes the instance (its buffer goes with it).
    @discardableResult
    public func remove() -> Bool {
        try? write("events/sock/inet_sock_set_state/enable", "0")
        return TraceFS.removeDirectory(path)
    }
}
