#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LiveKernelGate
import Testing

// Ports: 42201-42209 and 31290 belong to this file.

/// A `selfconnect` child whose output the test reads while it runs.
private final class Child {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private(set) var stdout = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = CLIRunner.executable
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    var pid: Int32 { process.processIdentifier }

    /// Waits until the child catches `signal` (its handler is installed: /proc/PID/status SigCgt), so a signal sent
    /// now reaches the code under test rather than the default action.
    func waitUntilCatching(_ signal: Int32, seconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
               let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
               mask & (1 << UInt64(signal - 1)) != 0 { return true }
            usleep(20_000)
        }
        return false
    }

    /// Reads stdout until it holds `text` or `seconds` pass.
    func waitForOutput(containing text: String, seconds: Double = 30) -> String {
        let fd = out.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline, !String(decoding: stdout, as: UTF8.self).contains(text) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) >= 0 else { break }
            if p.revents != 0 {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                stdout.append(contentsOf: buffer[..<n])
            }
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// Waits for the exit; the rest of stdout and all of stderr.
    func finish(seconds: Double = 20) -> (status: Int32, reason: Process.TerminationReason, stdout: String, stderr: String)? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return nil }
        stdout.append(out.fileHandleForReading.readDataToEndOfFile())
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, process.terminationReason, String(decoding: stdout, as: UTF8.self), errText)
    }
}

/// What a run can leave on the host: named namespaces, network devices, TCP sockets on a port, owner records.
private struct HostLeftovers: Equatable {
    var namespaces: Set<String>
    var devices: Set<String>
    var records: Set<String>

    static func list() -> HostLeftovers {
        func entries(_ path: String) -> Set<String> {
            Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
        }
        return HostLeftovers(namespaces: entries("/run/netns"), devices: entries("/sys/class/net"),
                             records: entries("/run/selfconnect"))
    }

    /// Entries of `after` that are not in `self` and name `pid` (other suites may add their own meanwhile).
    func added(by pid: Int32, in after: HostLeftovers) -> [String] {
        let new = after.namespaces.subtracting(namespaces).union(after.devices.subtracting(devices))
            .union(after.records.subtracting(records))
        return new.filter { $0.contains(String(pid)) }.sorted()
    }
}

/// `ss -tanH` lines whose local or peer port is `port`, TIME-WAIT left out (a closed connection's normal end).
private func liveSockets(port: Int) throws -> [String] {
    let ss = Process()
    ss.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    ss.arguments = ["ss", "-tanH"]
    let out = Pipe()
    ss.standardOutput = out
    try ss.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    ss.waitUntilExit()
    return text.split(separator: "\n").map(String.init).filter { line in
        !line.hasPrefix("TIME-WAIT") && line.split(separator: " ").dropFirst(3).prefix(2).contains { $0.hasSuffix(":\(port)") }
    }
}

@Suite(.serialized) struct SignalAndKillTests {
    /// An odd port with no per-socket range: Linux >= 4.6 picks even ports first, so the loop runs until stopped.
    private static let unreachable = ["repro", "--port", "42201", "--max-attempts", "100000000", "--timeout", "120"]

    @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
    func reproPrintsTheSummarySoFarOnASignalAndExits128PlusIt(signal: Int32, status: Int32, name: String) throws {
        let child = try Child(Self.unreachable)
        #expect(child.waitUntilCatching(signal))
        usleep(300_000)
        kill(child.pid, signal)
        let end = try #require(child.finish())
        #expect(end.reason == .exit)
        #expect(end.status == status)
        let line = try #require(end.stdout.split(separator: "\n").first)
        #expect(line.hasPrefix("interrupted by \(name) after "))
        let attempts = Int(line.split(separator: " ")[4]) ?? 0
        #expect(attempts >= 64 && attempts < 100_000_000)
    }

    @Test func reproWithJSONReportsAnInterruptedResult() throws {
        let child = try Child(Self.unreachable + ["--json"])
        #expect(child.waitUntilCatching(SIGINT))
        usleep(300_000)
        kill(child.pid, SIGINT)
        let end = try #require(child.finish())
        #expect(end.status == 130)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(end.stdout.utf8)) as? [String: Any])
        #expect(json["result"] as? String == "interrupted")
        #expect(json["signal"] as? String == "SIGINT")
        let attempts = try #require(json["attempts"] as? Int)
        #expect(attempts >= 64)
        #expect(json["refused"] as? Int == attempts)
    }

    @Test func reproKilledMidRunLeavesNoSocketNamespaceOrDevice() throws {
        let before = HostLeftovers.list()
        let child = try Child(Self.unreachable)
        #expect(child.waitUntilCatching(SIGINT))
        usleep(500_000)
        kill(child.pid, SIGKILL)
        let end = try #require(child.finish())
        #expect(end.reason == .uncaughtSignal)
        #expect(before.added(by: child.pid, in: .list()) == [])
        #expect(try liveSockets(port: 42201) == [])
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func watchKilledMidRunFreesItsPort() throws {
        guard LiveKernel.require() else { return }
        let before = HostLeftovers.list()
        let child = try Child(["watch", "--listen", "127.0.0.1:31290", "--interval", "200ms"])
        #expect(child.waitForOutput(containing: "serving").contains("http://127.0.0.1:31290/metrics"))
        #expect(try liveSockets(port: 31290).count == 1)  // the listener
        kill(child.pid, SIGKILL)
        #expect(try #require(child.finish()).reason == .uncaughtSignal)
        #expect(before.added(by: child.pid, in: .list()) == [])
        #expect(try liveSockets(port: 31290) == [])
        // The next run can listen on the same port at once.
        let next = try Child(["watch", "--listen", "127.0.0.1:31290", "--interval", "200ms"])
        #expect(next.waitForOutput(containing: "serving").contains("http://127.0.0.1:31290/metrics"))
        kill(next.pid, SIGTERM)
        #expect(try #require(next.finish()).status == 0)
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason), arguments: [SIGINT, SIGTERM])
    func tunRemovesItsNamespaceOnASignal(signal: Int32) throws {
        guard LiveKernel.require() else { return }
        let child = try Child(["tun", "--address", "10.231.0.2/24"])
        let namespace = "selfconnect-tun-\(child.pid)"
        #expect(child.waitForOutput(containing: "try:").contains("namespace \(namespace): "))
        #expect(child.waitUntilCatching(signal))
        #expect(HostLeftovers.list().namespaces.contains(namespace))
        kill(child.pid, signal)
        let end = try #require(child.finish())
        #expect(end.status == 0)
        #expect(end.stdout.contains("interrupted: "))
        let after = HostLeftovers.list()
        #expect(!after.namespaces.contains(namespace))
        #expect(!after.records.contains("netns-\(namespace)"))
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func tunAfterASIGKILLRemovesTheDeadRunsNamespaceAndSaysSo() throws {
        guard LiveKernel.require() else { return }
        let before = HostLeftovers.list()
        let killed = try Child(["tun", "--address", "10.232.0.2/24"])
        let namespace = "selfconnect-tun-\(killed.pid)"
        #expect(killed.waitForOutput(containing: "try:").contains("on sctun\(killed.pid), "))
        kill(killed.pid, SIGKILL)
        #expect(try #require(killed.finish()).reason == .uncaughtSignal)
        // What SIGKILL left: the namespace (its /run/netns mount) and its owner record; the device died with its fd.
        #expect(before.added(by: killed.pid, in: .list()) == ["netns-\(namespace)", namespace])

        let next = try Child(["tun", "--address", "10.232.0.2/24", "--duration", "0.5"])
        let end = try #require(next.finish(seconds: 30))
        #expect(end.status == 0)
        #expect(end.stderr.contains(
            "removed network namespace \(namespace) left by process \(killed.pid), which is no longer running"))
        let after = HostLeftovers.list()
        #expect(before.added(by: killed.pid, in: after) == [])
        #expect(before.added(by: next.pid, in: after) == [])
    }
}
