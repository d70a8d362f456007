#if canImport(Glibc)
import Glibc
#endif

/// A process holding a socket.
public struct SocketOwner: Hashable, Sendable, CustomStringConvertible {
    public var pid: Int32
    /// `/proc/PID/comm`.
    public var command: String

    public init(pid: Int32, command: String) {
        self.pid = pid
        self.command = command
    }

    public var description: String { "pid \(pid) (\(command))" }
}

/// Finds which processes hold given socket inodes by reading `/proc/PID/fd/*` links (`socket:[INODE]`).
public enum SocketOwners {
    /// True when the process has the Swift runtime mapped (`libswiftCore` in `/proc/PID/maps`).
    public static func runsSwift(pid: Int32) -> Bool {
        let fd = open("/proc/\(pid)/maps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let needle = Array("libswiftCore".utf8)
        var carry: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { return false }
            let window = carry + buffer[0..<n]
            if window.count >= needle.count {
                for i in 0...(window.count - needle.count) where window[i] == needle[0] {
                    if window[i..<(i + needle.count)].elementsEqual(needle) { return true }
                }
            }
            carry = Array(window.suffix(needle.count - 1))
        }
    }

    /// Owners of each inode in `inodes`. The scan stops as soon as every inode has an owner, so a socket shared by
    /// several processes may list only the first; processes whose fd directory we may not read (not root) are
    /// skipped, so their sockets stay unowned.
    public static func find(_ inodes: Set<UInt32>) -> [UInt32: [SocketOwner]] {
        var found: [UInt32: [SocketOwner]] = [:]
        let wanted = inodes.subtracting([0])
        guard !wanted.isEmpty, let proc = opendir("/proc") else { return found }
        defer { closedir(proc) }
        var link = [CChar](repeating: 0, count: 64)
        while let entry = readdir(proc) {
            guard let pid = Int32(name(of: entry)), pid > 0 else { continue }
            let fdPath = "/proc/\(pid)/fd"
            let dirFD = open(fdPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dirFD >= 0 else { continue }
            guard let fds = fdopendir(dirFD) else {
                close(dirFD)
                continue
            }
            var owner: SocketOwner?
            while let fdEntry = readdir(fds) {
                guard fdEntry.pointee.d_name.0 != 0x2e else { continue }  // "." and ".."
                let n = withUnsafePointer(to: fdEntry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { readlinkat(dirFD, $0, &link, link.count) }
                }
                guard n > 8, let inode = socketInode(link, count: n), wanted.contains(inode) else { continue }
                let current = owner ?? SocketOwner(pid: pid, command: command(of: pid))
                owner = current
                if !(found[inode]?.contains(current) ?? false) { found[inode, default: []].append(current) }
                // One owner per inode is what a report needs (a socket may be shared after fork): stop as soon as
                // every inode has one, without reading the rest of a process's descriptors.
                if found.count == wanted.count { break }
            }
            closedir(fds)
            if found.count == wanted.count { break }
        }
        return found
    }

    /// Whether this process can read other processes' descriptors (root, or CAP_SYS_PTRACE in practice).
    public static var canSeeAllOwners: Bool { geteuid() == 0 }

    /// Parses `socket:[12345]`.
    static func socketInode(_ link: [CChar], count: Int) -> UInt32? {
        let prefix: [CChar] = [0x73, 0x6f, 0x63, 0x6b, 0x65, 0x74, 0x3a, 0x5b]  // "socket:["
        guard count > prefix.count + 1, Array(link[0..<prefix.count]) == prefix, link[count - 1] == 0x5d else { return nil }
        var value: UInt32 = 0
        for c in link[prefix.count..<(count - 1)] {
            guard c >= 0x30, c <= 0x39 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt32(c - 0x30))
            guard !o1, !o2 else { return nil }
            value = s
        }
        return value
    }

    static func command(of pid: Int32) -> String {
        guard let text = readTextFile("/proc/\(pid)/comm", limit: 256) else { return "?" }
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    private static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
    }
}
