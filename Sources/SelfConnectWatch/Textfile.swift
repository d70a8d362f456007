#if canImport(Glibc)
import Glibc
#endif
import Prometheus

/// node_exporter's textfile collector format: `DIR/selfconnect.prom`, replaced atomically (a temporary file in the
/// same directory, fsync, then rename), so the collector never reads half a file.
public enum Textfile {
    public static let fileName = "selfconnect.prom"

    public static func write(_ registry: PrometheusCollectorRegistry, to directory: String) throws(WatchError) {
        let text = registry.emitToString()
        let final = "\(directory)/\(fileName)"
        // A name the collector ignores (it reads *.prom only).
        let temporary = "\(directory)/.\(fileName).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .textfile("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var ok = true
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    ok = false
                    return
                }
                offset += n
            }
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, final) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw .textfile("cannot replace \(final): \(why)")
        }
    }
}
