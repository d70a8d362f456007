#if canImport(Glibc)
import Glibc
#endif
import CNetlinkShims

/// A network namespace found on this host, and a file that names it.
public struct NetworkNamespaceRef: Hashable, Sendable, CustomStringConvertible {
    /// The namespace's inode, as in `net:[INODE]`.
    public var inode: UInt64
    /// `/run/netns/NAME` for a named namespace, else `/proc/PID/ns/net` of its first process.
    public var path: String

    public init(inode: UInt64, path: String) {
        self.inode = inode
        self.path = path
    }

    public var description: String {
        path.hasPrefix("/run/netns/") ? "netns \(path.dropFirst("/run/netns/".count))" : "net:[\(inode)] (\(path))"
    }
}

/// Enumerates network namespaces and runs code inside one.
public enum NetworkNamespaces {
    /// The namespace of the calling thread.
    public static func current() throws(HostNetError) -> NetworkNamespaceRef {
        let path = "/proc/thread-self/ns/net"
        guard let inode = inode(of: path) else { throw .unreadable(path: path) }
        return NetworkNamespaceRef(inode: inode, path: path)
    }

    /// Every namespace that a named file (`/run/netns/*`) or a process holds, the caller's first, each once.
    public static func all() throws(HostNetError) -> [NetworkNamespaceRef] {
        var found = [try current()]
        var seen: Set<UInt64> = [found[0].inode]
        func add(_ path: String) {
            guard let inode = inode(of: path), seen.insert(inode).inserted else { return }
            found.append(NetworkNamespaceRef(inode: inode, path: path))
        }
        for name in directoryEntries("/run/netns") { add("/run/netns/\(name)") }
        for name in directoryEntries("/proc") where Int32(name) != nil { add("/proc/\(name)/ns/net") }
        return found
    }

    /// Runs `body` with the calling thread inside `namespace`, then moves the thread back. `body` must not suspend
    /// or hop threads: only this thread changes namespace.
    public static func inside<R>(
        _ namespace: NetworkNamespaceRef, _ body: () throws(HostNetError) -> R
    ) throws(HostNetError) -> R {
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard home >= 0 else { throw .system(call: "open(/proc/thread-self/ns/net)", errno: errno) }
        defer { close(home) }
        let target = open(namespace.path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw .system(call: "open(\(namespace.path))", errno: errno) }
        defer { close(target) }
        guard setns(target, CSHIM_CLONE_NEWNET) == 0 else { throw .system(call: "setns", errno: errno) }
        defer {
            // Returning to the namespace we came from cannot fail for a process that could leave it.
            _ = setns(home, CSHIM_CLONE_NEWNET)
        }
        return try body()
    }

    private static func inode(of path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

}
