import ArgumentParser
import HostNet
import SelfConnectWatch

#if canImport(Glibc)
import Glibc
#endif

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Report every TCP self-connect (and simultaneous open) on this host the moment it forms.",
        discussion: """
            Follows the kernel tracepoint sock:inet_sock_set_state through a private tracefs instance \
            (instances/selfconnect-PID-START) and reports each socket that goes SYN_SENT -> SYN_RECV: a \
            self-connect when its two ends are equal, else a simultaneous open. The in-kernel filter passes nothing \
            else (unless --fate or --exact-owners), so ordinary connections cost next to nothing. The tracepoint sees \
            every network namespace but does not say which: each report names the namespace of the process, read \
            from /proc/PID/ns/net at once (null if the process is already gone).

            Rights: root, or CAP_SYS_ADMIN (create the tracefs instance, mount tracefs if it is not mounted) with \
            CAP_DAC_OVERRIDE (tracefs files are root's) and CAP_SYS_PTRACE (read other processes' /proc/PID/ns/net \
            and cmdline). In Kubernetes, deploy/kubernetes/daemonset.yaml grants them: hostPID, those capabilities \
            and /sys/kernel/tracing mounted from the host. Without them: one line on stderr, exit 2.

            At start it removes instances left by dead runs (say, a SIGKILL) and says so; on exit (--duration, \
            --count, SIGINT, SIGTERM) it removes its own. Exit 1 if a self-connect was reported, else 0.
            """
    )

    @Flag(help: "One JSON object per line instead of human lines.")
    var json = false

    @Option(help: "Stop after this long: 500ms, 10s, 2m, 1h.")
    var duration: String?

    @Option(help: "Stop after this many reports (self-connects and simultaneous opens).")
    var count: Int?

    @Flag(help: "Also report each reported socket's end: its lifetime and the state it closed from (traces every TCP close).")
    var fate = false

    @Flag(help: ArgumentHelp(
        "Name the process that called connect() even when the SYN was processed in another task's context.",
        discussion: "By default a report names the task that ran when the state changed: the connect() caller for a loopback self-connect, but not for a SYN that came from a device (TUN, a NIC). This records every outgoing connect() to know its caller: one record per connection."))
    var exactOwners = false

    func run() throws {
        var deadline: Double?
        if let duration {
            do {
                let length = try WatchArguments.interval(duration)
                deadline = MonotonicClock().now() + Double(length.components.seconds)
                    + Double(length.components.attoseconds) / 1e18
            } catch {
                throw ValidationError("invalid --duration '\(duration)': expected a positive duration such as 500ms, 10s, 2m or 1h")
            }
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        TerminationSignals.install()
        let stop = TerminationSignals.descriptor
        let session: TraceSession
        do {
            session = try TraceSession(fate: fate, exactOwners: exactOwners)
        } catch {
            throw ValidationError("trace: \(error.description)")
        }
        defer { session.close() }
        if session.fs.mountedNow { printError("selfconnect trace: mounted tracefs on \(session.fs.root)") }
        for name in session.removedStale {
            printError("selfconnect trace: removed stale instance \(name) (its process is gone)")
        }
        printError("selfconnect trace: tracing sock:inet_sock_set_state in \(session.instance.path)")
        var reports = 0
        var selfConnects = 0
        do {
            try session.run(deadline: deadline, stopFD: stop) { output in
                let wall = TraceReportFormat.wallTime(ofMonotonic: output.kernelSeconds)
                let line = json
                    ? TraceReportFormat.json(output, wallTime: wall) : TraceReportFormat.human(output, wallTime: wall)
                writeLine(line)
                guard case .opened(let open) = output else { return true }
                if open.kind == .selfConnect { selfConnects += 1 }
                reports += 1
                return count.map { reports < $0 } ?? true
            }
        } catch {
            throw ValidationError("trace: \(error.description)")
        }
        if session.lostEvents > 0 {
            printError("selfconnect trace: the kernel dropped \(session.lostEvents) records (buffer full)")
        }
        if selfConnects > 0 { throw ExitCode(1) }
    }
}

/// Writes one line to stdout, unbuffered, so a reader on a pipe sees it at once.
private func writeLine(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { buf in
        var offset = 0
        while offset < buf.count {
            let n = write(1, buf.baseAddress! + offset, buf.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}
