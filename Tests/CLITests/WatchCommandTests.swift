#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard
import Testing

// Ports: 31215-31219 belong to this file.

private let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// promtool from Debian's `prometheus` package (.ci/run installs it).
private let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite struct WatchCommandTests {
    @Test(.enabled(if: promtool != nil || inCI, "needs promtool (apt-get install prometheus), or CI=true to fail"))
    func onceOutputPassesPromtoolCheckMetrics() throws {
        guard let promtool else {
            Issue.record("promtool is missing under CI=true: .ci/run should have installed Debian's prometheus")
            return
        }
        // A live self-connection, so the labelled gauge family is in the output too.
        let socket = try TCPSocket(family: AF_INET)
        try socket.setReuseAddress()
        let endpoint = SocketEndpoint(.v4(0x7f00_0001), 31215)
        try socket.bind(endpoint)
        #expect(socket.connect(endpoint) == 0)

        let r = try CLIRunner.run(["watch", "--once"])
        #expect(r.status == 0)
        #expect(r.stdout.contains(#"selfconnect_self_connected_sockets{port="31215",state="ESTABLISHED"} 1"#))
        #expect(r.stdout.contains("# TYPE selfconnect_audits_total counter"))

        let check = Process()
        check.executableURL = URL(fileURLWithPath: promtool)
        check.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        check.standardInput = input
        check.standardOutput = output
        check.standardError = output
        try check.run()
        input.fileHandleForWriting.write(Data(r.stdout.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "promtool check metrics: \(report)")
        #expect(report.isEmpty, "promtool lints nothing: \(report)")
    }

    @Test(arguments: [
        (["watch", "--listen", "localhost:9464"], "--listen"),
        (["watch", "--listen", "127.0.0.1"], "--listen"),
        (["watch", "--listen", "::1:9464"], "--listen"),
        (["watch", "--interval", "10x"], "--interval"),
        (["watch", "--interval", "0s"], "--interval"),
        (["watch", "--once", "--interval", "soon"], "--interval"),
    ])
    func badListenAddressOrIntervalIsOneLineAndExitTwo(arguments: [String], option: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.hasPrefix("selfconnect: invalid \(option) "))
        #expect(r.stdout.isEmpty)
    }

    @Test func aPortAlreadyInUseIsNamedAndExitsTwo() throws {
        let holder = try TCPSocket(family: AF_INET)
        try holder.bind(SocketEndpoint(.v4(0x7f00_0001), 31216))
        try holder.listen()
        let r = try CLIRunner.run(["watch", "--listen", "127.0.0.1:31216"])
        #expect(r.status == 2)
        #expect(r.stderr == "selfconnect: cannot listen on 127.0.0.1:31216: port 31216 is already in use\n")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func watchServesUntilASignalThenExitsZero(signal: Int32) throws {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["watch", "--listen", "127.0.0.1:0", "--interval", "1s"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The first line announces the address; its arrival means the server is listening.
        let announced = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        #expect(announced.hasPrefix("selfconnect watch: serving http://127.0.0.1:"))
        #expect(!announced.contains("127.0.0.1:0/"))

        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning, "watch did not exit within 10 s of signal \(signal)")
        guard !process.isRunning else { return }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
