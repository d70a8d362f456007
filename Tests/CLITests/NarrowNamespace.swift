import Foundation

/// Runs a bash script in a fresh network namespace whose `ip_local_port_range` is narrowed to 50000-50003, so that
/// an unguarded retry loop to 127.0.0.1:50002 self-connects within a few attempts. `unshare --net` ties the namespace
/// to the script: it is gone when the script ends, even after SIGKILL, and TIME-WAIT from one run cannot reach the
/// next. The script sees `$SELFCONNECT` (the built CLI), `$P` (50002) and `$ATTEMPTS`.
enum NarrowNamespace {
    static let port = 50002

    /// Attempts per program and policy: 10,000 (the acceptance figure) unless the program costs a process per
    /// attempt, where CI runs `perProcess` and `SELFCONNECT_GUARD_ATTEMPTS=10000` runs the full count by hand.
    static func attempts(perProcess: Bool) -> Int {
        if let text = ProcessInfo.processInfo.environment["SELFCONNECT_GUARD_ATTEMPTS"], let n = Int(text) { return n }
        return perProcess ? 1000 : 10_000
    }

    static func run(_ script: String, attempts: Int = 0, range: String = "50000 50003") throws -> CLIResult {
        let prelude = """
            set -u
            ip link set lo up
            echo "\(range)" > /proc/sys/net/ipv4/ip_local_port_range
            P=\(port)
            ATTEMPTS=\(attempts)

            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Bounded: a deadlock under the guard ends as exit 124, not a hung test run. --default-signal: the test's
        // threads block signals, which children inherit; timeout's alarm and the script's kill need them.
        process.arguments = ["--default-signal", "timeout", "-k", "5", "600", "unshare", "--net", "bash", "-c", prelude + script]
        var environment = ProcessInfo.processInfo.environment
        environment["SELFCONNECT"] = CLIRunner.executable.path
        for key in ["LD_PRELOAD", "SELFCONNECT_GUARD_POLICY", "SELFCONNECT_GUARD_VERBOSE"] { environment[key] = nil }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // stderr drains on its own thread so neither pipe can fill and block the script.
        nonisolated(unsafe) var errData = Data()
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The `key=value` fields of the last stdout line that has `key`.
    static func fields(_ output: String, key: String = "attempts") -> [String: Int] {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("\(key)=") }) else { return [:] }
        var result: [String: Int] = [:]
        for field in line.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }
}
