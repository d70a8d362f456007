#if canImport(Glibc)
import Glibc
#endif

/// A live `trace`: a private tracefs instance on `sock:inet_sock_set_state`, read through `trace_pipe`.
///
/// Why a tracefs instance: it needs nothing but the kernel (no BPF toolchain, no libbpf, no compiled program
/// to load), the filter runs in the kernel so only the few records we want reach the buffer, its text records are
/// the event's own `print fmt` (IPv6 addresses included) and stay stable across kernels, and its name lets the
/// next run find and remove what a SIGKILLed run left. `perf_event_open` would leave nothing on SIGKILL but
/// needs per-CPU mmap rings and the binary layout parsed from `format`; libbpf needs a compiled BPF object.
/// Used by one thread at a time (the reading loop); `@unchecked` lets that thread be another than the creator.
public final class TraceSession: @unchecked Sendable {
    public let fs: TraceFS
    public let instance: TraceInstance
    /// Instances of dead runs removed at start.
    public let removedStale: [String]
    /// Records the kernel dropped because the buffer was full (`[LOST n EVENTS]`).
    public private(set) var lostEvents = 0
    private var tracer: SelfConnectTracer
    private var fd: Int32
    private var pending: [UInt8] = []

    /// SYN_SENT -> SYN_RECV is the simultaneous open; nothing else passes the filter by default, so an ordinary
    /// connection costs only the in-kernel filter. The report then names the task that ran when the state changed:
    /// for a loopback self-connect that is the connect() caller (the looped SYN is processed in its context), but a
    /// SYN from a device (TUN, a NIC) is processed in another task's.
    ///
    /// `exactOwners`: also record every connect() (CLOSE -> SYN_SENT), which runs in the caller's context, so each
    /// report names the process that called connect() whatever ran the softirq; one record per outgoing connection.
    /// `fate`: also record every socket's CLOSE, so each reported socket's end and lifetime are known.
    public init(
        fate: Bool, exactOwners: Bool = false, bufferKiB: Int = 4096, lookup: ProcessLookup = ProcessLookup()
    ) throws(HostNetError) {
        fs = try TraceFS.locate()
        removedStale = fs.removeStaleInstances()
        var states = "(oldstate == 2 && newstate == 3)"
        if exactOwners { states += " || (oldstate == 7 && newstate == 2)" }
        if fate { states += " || (newstate == 7 && oldstate != 2 && oldstate != 7 && oldstate != 10)" }
        instance = try TraceInstance.create(in: fs, filter: "protocol == 6 && (\(states))", bufferKiB: bufferKiB)
        let pipePath = "\(instance.path)/trace_pipe"
        fd = open(pipePath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            instance.remove()
            throw .system(call: "open(\(pipePath))", errno: code)
        }
        tracer = SelfConnectTracer(lookup: { lookup.details(of: $0) })
    }

    deinit { close() }

    /// Stops reading and removes the instance. Safe to call twice.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
            instance.remove()
        }
    }

    /// Reads records until `handle` returns false, `deadline` (monotonic seconds) passes, or `stopFD` becomes
    /// readable (a signal's self-pipe). Each wait is at most 200 ms; each read at most 64 KiB.
    public func run(
        deadline: Double? = nil, stopFD: Int32? = nil, handle: (TraceOutput) -> Bool
    ) throws(HostNetError) {
        let clock = MonotonicClock()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fd >= 0 {
            var waitMs: Int32 = 200
            if let deadline {
                let left = deadline - clock.now()
                if left <= 0 { return }
                waitMs = Int32(min(200, max(1, left * 1000)))
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            if let stopFD { fds.append(pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), waitMs)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .system(call: "poll(trace_pipe)", errno: errno)
            }
            if fds.count > 1, fds[1].revents != 0 { return }
            // Drain what is there now (bounded: 64 reads of 64 KiB), then wait again.
            for _ in 0..<64 {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN { break }
                    throw .system(call: "read(trace_pipe)", errno: errno)
                }
                guard n > 0 else { break }
                if !feed(buffer[0..<n], handle) { return }
            }
        }
    }

    /// The end of a CLOSE record (`newstate` is the last field of the event's print fmt).
    private static let closeSuffix = Array(" newstate=TCP_CLOSE".utf8)

    /// Splits into lines and hands each parsed record to the tracer; false once `handle` says stop.
    private func feed(_ bytes: ArraySlice<UInt8>, _ handle: (TraceOutput) -> Bool) -> Bool {
        pending.append(contentsOf: bytes)
        var start = pending.startIndex
        defer {
            pending.removeSubrange(pending.startIndex..<start)
            // A line longer than 8 KiB is not a record of ours: drop it rather than grow.
            if pending.count > 8192 { pending.removeAll() }
        }
        while let newline = pending[start...].firstIndex(of: 10) {
            let record = pending[start..<newline]
            start = newline + 1
            // With `fate` every connection's close passes the kernel's filter, but one matters only for a socket the
            // tracer saw open: while none is, closes are skipped unparsed (a flood's thousands cost no parsing).
            if !tracer.awaitsClose, record.count > Self.closeSuffix.count,
               record.suffix(Self.closeSuffix.count).elementsEqual(Self.closeSuffix) {
                continue
            }
            let line = Substring(decoding: record, as: UTF8.self)
            if let event = SockStateEvent(traceLine: line) {
                if let output = tracer.consume(event), !handle(output) { return false }
            } else if let lost = SockStateEvent.lostEvents(in: line) {
                lostEvents += lost
            }
        }
        return true
    }
}

/// Reads a process's command line and network namespace from /proc, and names namespaces from /run/netns.
public final class ProcessLookup {
    private var names: [UInt64: String] = [:]
    private var namesReadAt = -1.0
    private let clock = MonotonicClock()

    public init() {}

    public func details(of pid: Int32) -> ProcessDetails {
        // Empty for a process that is exiting (a zombie has no command line): unknown, not "".
        let cmdline = readTextFile("/proc/\(pid)/cmdline", limit: 4096).map { text in
            text.split(separator: "\0", omittingEmptySubsequences: true).joined(separator: " ")
        }.flatMap { $0.isEmpty ? nil : $0 }
        var info = stat()
        let netns = stat("/proc/\(pid)/ns/net", &info) == 0 ? UInt64(info.st_ino) : nil
        return ProcessDetails(cmdline: cmdline, netns: netns, netnsName: netns.flatMap(name(of:)))
    }

    /// The /run/netns name of a namespace; the directory is reread on a miss, at most every 100 ms.
    private func name(of inode: UInt64) -> String? {
        if let name = names[inode] { return name }
        let now = clock.now()
        guard now - namesReadAt >= 0.1 else { return nil }
        namesReadAt = now
        names = [:]
        for entry in directoryEntries("/run/netns").prefix(4096) {
            var info = stat()
            if stat("/run/netns/\(entry)", &info) == 0 { names[UInt64(info.st_ino)] = entry }
        }
        return names[inode]
    }
}
