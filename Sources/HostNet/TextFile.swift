#if canImport(Glibc)
import Glibc
#endif

/// The contents of a kernel text file (procfs files report size 0, so read until EOF), or nil when it cannot be
/// opened. Stops at `limit` bytes.
func readTextFile(_ path: String, limit: Int = 1 << 28) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    var used = 0
    while used < limit {
        if used == buffer.count { buffer += [UInt8](repeating: 0, count: min(buffer.count, limit - used)) }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, $0.count - used) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        used += n
    }
    return String(decoding: buffer[0..<used], as: UTF8.self)
}

/// The names in a directory, dot entries left out; empty when it cannot be opened.
func directoryEntries(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if !name.hasPrefix(".") { names.append(name) }
    }
    return names
}
