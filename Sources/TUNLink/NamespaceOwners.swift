import Foundation
import Glibc

/// Who created each namespace `NetworkNamespace` made: one file per namespace in `/run/selfconnect`, holding the
/// owner's pid and start time (so a recycled pid is not mistaken for the owner). SIGKILL leaves the namespace
/// (its `/run/netns` mount outlives the process) and the record; `removeLeftovers()` finds records whose owner
/// is gone and deletes what they name. The TUN device needs no record: the kernel removes it with its last
/// descriptor.
public enum NamespaceOwners {
    /// What a dead run left and `removeLeftovers()` removed.
    public struct Leftover: Equatable, Sendable, CustomStringConvertible {
        public var namespace: String
        public var ownerPID: Int32
        public var description: String {
            "removed network namespace \(namespace) left by process \(ownerPID), which is no longer running"
        }
    }

    static let directory = "/run/selfconnect"

    static func recordPath(_ name: String) -> String { "\(directory)/netns-\(name)" }

    /// Writes the record before the namespace exists, so no kill can leave a namespace without one.
    static func record(_ name: String) {
        mkdir(directory, 0o700)
        let pid = getpid()
        guard let started = startTime(of: pid) else { return }
        let fd = open(recordPath(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var text = "\(pid) \(started)\n"
        text.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
    }

    static func forget(_ name: String) { unlink(recordPath(name)) }

    /// Deletes every recorded namespace whose owner is no longer running, with its record.
    public static func removeLeftovers() -> [Leftover] {
        var removed: [Leftover] = []
        for entry in directoryEntries(directory) where entry.hasPrefix("netns-") {
            let name = String(entry.dropFirst("netns-".count))
            let fields = readSmallFile(recordPath(name)).split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count == 2, let pid = Int32(fields[0]), let started = UInt64(fields[1]) else {
                forget(name)
                continue
            }
            if startTime(of: pid) == started { continue }  // its owner still runs
            if NetworkNamespace.exists(name) {
                _ = try? ExternalCommand.run(["ip", "netns", "del", name])
                removed.append(Leftover(namespace: name, ownerPID: pid))
            }
            forget(name)
        }
        return removed
    }

    /// Field 22 of /proc/PID/stat (clock ticks since boot), read after the command name's closing parenthesis.
    static func startTime(of pid: Int32) -> UInt64? {
        let stat = readSmallFile("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so start time (22) is index 19.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    private static func readSmallFile(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1024)
        let n = read(fd, &bytes, bytes.count)
        return n > 0 ? String(decoding: bytes[..<n], as: UTF8.self) : ""
    }

    /// The names in a directory, dot entries left out; empty when it cannot be read.
    private static func directoryEntries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }
    }
}
