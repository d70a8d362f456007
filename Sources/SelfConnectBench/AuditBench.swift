#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard

/// `selfconnect-bench audit`: inside a network namespace it creates, opens 100,000 loopback sockets, then times
/// `selfconnect audit --json` against `ss -tanp` (both through `ip netns exec`, output to /dev/null) and prints the
/// ratio. Always deletes the namespace.
///
/// A process may hold only RLIMIT_NOFILE's hard limit of descriptors (20,000 here, and raising it needs
/// CAP_SYS_RESOURCE), so six holder processes (this executable again, told by an environment variable) each raise
/// their soft limit, listen on their own port outside the ephemeral range and make 8,333 connections to it:
/// 6 x (1 + 2 x 8,333) = 100,002 sockets. One more listener, inside the ephemeral range, gives the audit one
/// finding whose owner it must look up in /proc, as ss -p looks up every owner.
enum AuditBench {
    static let holders = 6
    static let connectionsPerHolder = 8_333
    static let riskyPort: UInt16 = 40000
    static let holderVariable = "SELFCONNECT_BENCH_AUDIT_HOLDER"

    static func run() {
        do { try measure() } catch {
            BenchSupport.fail(bench: "audit", error)
        }
    }

    private static func measure() throws {
        if let index = ProcessInfo.processInfo.environment[holderVariable].flatMap(Int.init) {
            return try hold(index: index)
        }
        let name = "selfconnect-bench-\(getpid())"
        try ip(["netns", "add", name])
        defer { try? ip(["netns", "del", name]) }
        try ip(["-n", name, "link", "set", "lo", "up"])

        let me = BenchSupport.executableDirectory + "/selfconnect-bench"
        var children: [(Process, Pipe)] = []
        defer {
            // EOF on stdin tells each holder to close its sockets and exit.
            for (process, input) in children {
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
            }
        }
        for index in 0..<holders {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip", "netns", "exec", name, me, "audit"]
            process.environment = ProcessInfo.processInfo.environment.merging([holderVariable: String(index)]) { $1 }
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            children.append((process, input))
            let line = String(decoding: output.fileHandleForReading.readData(ofLength: 6), as: UTF8.self)
            guard line == "ready\n" else { throw HostNetError.unsupported("holder \(index) failed to open its sockets") }
        }
        let sockets = holders * (1 + 2 * connectionsPerHolder) + 1

        let selfconnect = BenchSupport.executableDirectory + "/selfconnect"
        let audit = ["ip", "netns", "exec", name, selfconnect, "audit", "--json"]
        let ss = ["ip", "netns", "exec", name, "ss", "-tanp"]
        let ssWithoutOwners = ["ip", "netns", "exec", name, "ss", "-tan"]
        let (status, _) = try BenchSupport.run("/usr/bin/env", audit)
        guard status == 1 else { throw HostNetError.unsupported("audit exited \(status), expected 1 (one finding)") }
        var ours: [Double] = [], theirs: [Double] = [], theirsWithoutOwners: [Double] = []
        for _ in 0..<5 {
            ours.append(try BenchSupport.run("/usr/bin/env", audit).1)
            theirs.append(try BenchSupport.run("/usr/bin/env", ss).1)
            theirsWithoutOwners.append(try BenchSupport.run("/usr/bin/env", ssWithoutOwners).1)
        }
        let ourTime = BenchSupport.median(ours)
        BenchSupport.emit(bench: "audit", value: ourTime, unit: "s", baseline: BenchSupport.median(theirs),
                          note: "median of 5 interleaved runs over \(sockets) loopback sockets in a fresh netns; baseline: ss -tanp")
        // Context: ss without -p skips the owner scan of /proc that dominates ss -tanp.
        BenchSupport.emit(bench: "audit-vs-ss-tan", value: ourTime, unit: "s", baseline: BenchSupport.median(theirsWithoutOwners),
                          note: "same runs; baseline: ss -tan (no owner lookup)")
    }

    /// A holder: opens its sockets inside the namespace it was started in, says "ready", waits for EOF on stdin.
    private static func hold(index: Int) throws {
        try raiseDescriptorLimit(to: 2 * connectionsPerHolder + 100)
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        let port = 5000 + UInt16(index)
        for listenPort in index == 0 ? [port, riskyPort] : [port] {
            let listener = try TCPSocket(family: AF_INET)
            try listener.bind(SocketEndpoint(.v4(0x7f00_0001), listenPort))
            try listener.listen(backlog: 4096)
            fds.append(listener.release())
        }
        let target = SocketEndpoint(.v4(0x7f00_0001), port)
        var made = 0
        while made < connectionsPerHolder {
            // Batches stay below the accept backlog.
            let count = min(1000, connectionsPerHolder - made)
            for _ in 0..<count {
                let client = try TCPSocket(family: AF_INET)
                let error = client.connect(target)
                guard error == 0 else { throw HostNetError.system(call: "connect", errno: error) }
                fds.append(client.release())
            }
            for _ in 0..<count {
                let accepted = accept(fds[0], nil, nil)
                guard accepted >= 0 else { throw HostNetError.system(call: "accept", errno: errno) }
                fds.append(accepted)
            }
            made += count
        }
        _ = write(STDOUT_FILENO, "ready\n", 6)
        var byte: UInt8 = 0
        while read(STDIN_FILENO, &byte, 1) > 0 {}
    }

    private static func ip(_ arguments: [String]) throws {
        let (status, _) = try BenchSupport.run("/usr/bin/env", ["ip"] + arguments, quiet: false)
        guard status == 0 else { throw HostNetError.unsupported("ip \(arguments.joined(separator: " ")) failed") }
    }

    private static func raiseDescriptorLimit(to wanted: Int) throws {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur < rlim_t(wanted) else { return }
        guard limit.rlim_max >= rlim_t(wanted) else {
            throw HostNetError.unsupported("RLIMIT_NOFILE hard limit \(limit.rlim_max) is below \(wanted)")
        }
        limit.rlim_cur = rlim_t(wanted)
        guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            throw HostNetError.system(call: "setrlimit(NOFILE)", errno: errno)
        }
    }
}
