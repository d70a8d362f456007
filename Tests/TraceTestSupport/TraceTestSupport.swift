#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The `selfconnect` executable, which SwiftPM places beside the test bundle.
public var selfconnectExecutable: String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
    return dir.appendingPathComponent("selfconnect").path
}

/// Root gate for the trace tests: fail under CI=true, skip with the reason elsewhere.
public enum TraceRoot {
    public static let runnable = geteuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"
    public static let reason: Comment = "needs root on the live kernel (run as root, or set CI=true to make this a failure)"

    public static func require(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if geteuid() == 0 { return true }
        Issue.record("needs root on the live kernel (CI=true): not running as root", sourceLocation: sourceLocation)
        return false
    }
}

/// A network namespace of the test's own (`ip netns add`, loopback up), deleted by `remove()`.
public struct TestNamespace {
    public let name: String

    public init(_ tag: String) throws {
        name = "sctrace-\(tag)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        try #require(Self.ip(["netns", "add", name]), "ip netns add \(name) failed")
        try #require(Self.ip(["-n", name, "link", "set", "lo", "up"]), "ip link set lo up failed")
    }

    public var inode: UInt64 {
        var info = stat()
        return stat("/run/netns/\(name)", &info) == 0 ? UInt64(info.st_ino) : 0
    }

    public func remove() { _ = Self.ip(["netns", "delete", name]) }

    public static func ip(_ arguments: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ip"] + arguments
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

/// A child process whose stdout and stderr are collected line by line on background threads.
public final class LineProcess: @unchecked Sendable {
    public let process = Process()
    private let lock = NSLock()
    private var outLines: [String] = []
    private var errLines: [String] = []
    private var readers: [Thread] = []

    public init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isOut) in [(out, true), (err, false)] {
            let thread = Thread { [self] in
                var partial = Data()
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    partial.append(chunk)
                    while let nl = partial.firstIndex(of: 10) {
                        let line = String(decoding: partial[partial.startIndex..<nl], as: UTF8.self)
                        partial.removeSubrange(partial.startIndex...nl)
                        lock.withLock { if isOut { outLines.append(line) } else { errLines.append(line) } }
                    }
                }
            }
            thread.start()
            readers.append(thread)
        }
    }

    public var stdout: [String] { lock.withLock { outLines } }
    public var stderr: [String] { lock.withLock { errLines } }

    /// Polls `condition` every 50 ms for at most `seconds`.
    public func wait(upTo seconds: Double, until condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// The same, sleeping with `Task.sleep`: a test waiting for seconds must not hold one of the few threads of the
    /// cooperative pool, which the async tests running beside it need.
    public func waitAsync(upTo seconds: Double, until condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// Sends `signal` (if still running) and waits at most 10 s for the exit; SIGKILL after that.
    public func stop(_ signal: Int32 = SIGINT) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        if !wait(upTo: 10, until: { !process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        // Let the readers take the last lines.
        _ = wait(upTo: 2, until: { readers.allSatisfy(\.isFinished) })
        return process.terminationStatus
    }
}

public func jsonLines(_ lines: [String]) -> [[String: Any]] {
    lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// Our tracefs instances (the mount may be at either place).
public func selfconnectInstances() -> [String] {
    for root in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: "\(root)/instances") {
            return names.filter { $0.hasPrefix("selfconnect-") }.sorted()
        }
    }
    return []
}

/// Self-connects made inside a namespace: `bound N` (bind+connect+close, IPv4, IPv6 and v4-mapped IPv6 in turn)
/// and `natural N` (unbound retry loops to port P = 40000, 40003, ... with IP_LOCAL_PORT_RANGE narrowed to
/// P-1..P+1). Prints its pid,
/// then `SELF port` per self-connect; stays alive a moment at the end so its /proc entries can be read.
public let selfConnectScript = #"""
import socket, struct, sys, os, time
print("PID", os.getpid(), flush=True)
bound, natural, base = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
gap = float(sys.argv[4])
for i in range(bound):
    port = base + i
    kind = i % 3
    if kind == 0:
        s = socket.socket(socket.AF_INET); s.bind(("127.0.0.1", port)); s.connect(("127.0.0.1", port))
    elif kind == 1:
        s = socket.socket(socket.AF_INET6); s.bind(("::1", port)); s.connect(("::1", port))
    else:
        s = socket.socket(socket.AF_INET6); s.bind(("::", port)); s.connect(("::ffff:127.0.0.1", port))
    s.close()
    print("SELF", port, flush=True)
    time.sleep(gap)
for i in range(natural):
    port = 40000 + 3 * i  # inside the namespace's ip_local_port_range, which the socket option only narrows
    for attempt in range(1000):
        s = socket.socket(socket.AF_INET)
        s.setsockopt(socket.IPPROTO_IP, 51, struct.pack("I", (port - 1) | (port + 1) << 16))
        try:
            s.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            s.close()
            continue
        if s.getsockname()[1] == port:
            s.close()
            print("SELF", port, flush=True)
            break
        s.close()
    time.sleep(gap)
time.sleep(1)
"""#

/// `count` ordinary loopback connections to a listener that accepts and closes each; prints `DONE n`.
public let ordinaryConnectionsScript = #"""
import socket, sys, threading
count = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(("127.0.0.1", 0)); l.listen(512)
port = l.getsockname()[1]
def serve():
    for _ in range(count):
        c, _ = l.accept(); c.close()
threading.Thread(target=serve, daemon=True).start()
done = 0
for i in range(count):
    s = socket.socket(); s.connect(("127.0.0.1", port)); s.close(); done += 1
print("DONE", done, flush=True)
"""#
