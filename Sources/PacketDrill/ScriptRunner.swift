import TCPStack
import TCPWire

/// Runs a parsed script against `HostStack` on a virtual clock (microseconds from the script's time 0).
///
/// As packetdrill, the stack's packets wait in a queue that each `>` line reads from, and a script ends with its
/// last event: a packet no line reads is not checked. `strict` is stricter: a packet must be expected when it is
/// sent (not by a later `>` line), including after the last line (the runner lets every pending timer fire
/// before it declares a pass).
public struct ScriptRunner {
    public struct Options: Sendable {
        /// Overrides the script's `// personality:` line.
        public var personality: String?
        /// Skip shell lines and code blocks instead of failing on them.
        public var allowUnsupported: Bool
        /// Fail on a packet as soon as the stack sends it when the next line does not expect it, and on packets
        /// sent after the last line (packetdrill only reads the queue at `>` lines).
        public var strict: Bool
        /// Reads a shell file a backtick line runs (`../common/defaults.sh`); nil: such files are unsupported.
        public var readFile: (@Sendable (String) -> String?)?
        public init(
            personality: String? = nil, allowUnsupported: Bool = false, strict: Bool = false,
            readFile: (@Sendable (String) -> String?)? = nil
        ) {
            self.personality = personality
            self.allowUnsupported = allowUnsupported
            self.strict = strict
            self.readFile = readFile
        }
    }

    /// How long after the last line the runner watches for stray packets.
    static let quietPeriodMicroseconds: Int64 = 600_000_000
    /// How far past an outbound packet's window the runner looks to report it late rather than missing.
    static let lookAheadMicroseconds: Int64 = 10_000_000

    let script: Script
    let options: Options
    /// The socket calls, with their descriptor table and the loop over the stack, on the script's clock
    /// (microseconds): the stack's packets to its own address loop back; the rest are the packets the script's `>`
    /// lines read.
    var calls: SocketCalls
    var loop: DriveLoop<HostStack> {
        _read { yield calls.loop }
        _modify { yield &calls.loop }
    }
    /// The stack under test (the loop's only host).
    var stack: HostStack {
        _read { yield loop.hosts[0] }
        _modify { yield &loop.hosts[0] }
    }
    let personality: String
    let tolerance: Int64
    let addressing: ScriptAddressing
    var local: IPAddress { addressing.local }
    var remote: IPAddress { addressing.remote }
    let bindPort: UInt16
    let connectPort: UInt16

    /// Script time now, in microseconds.
    var now: Int64 = 0
    /// What relative times count from: the previous event's time (an outbound packet's actual time).
    var base: Int64 = 0
    /// The socket descriptors (the shared layer's table).
    var fds: [Int: Descriptor] {
        _read { yield calls.descriptors }
        _modify { yield &calls.descriptors }
    }
    /// ISN of the stack's most recent SYN: outbound sequence numbers and inbound ACKs are relative to it.
    var localISN: UInt32 = 0
    var localPort: UInt16
    var remotePort: UInt16 = 40000
    /// The peer's ISN as packetdrill keeps it (run_packet.c, socket.h `remote_seq_script_to_live_offset`): set by
    /// the first inbound SYN (the passive open) and by the SYN-ACK that answers our SYN (an active open). The
    /// sequence numbers of the peer's segments without SYN, and the ACKs of ours without SYN, count from it
    /// (`< S. 123:123(0)` then `< F. 1:1(0)` is byte 124); a SYN's numbers are absolute.
    var remoteISN: UInt32 = 0
    var remoteISNSet = false
    /// The stack sent a SYN that no SYN-ACK has answered yet.
    var awaitingSynAck = false
    /// Script TS val -> live TS val, learned from outbound packets, used to map inbound TS ecr.
    var tsValues: [UInt32: UInt32] = [:]
    /// `--tcp_ts_tick_usecs` (0: outbound TS val unchecked) and the socket's first (script, live) TS val pair.
    let tsTickMicros: Int64
    var tsBaseline: (script: UInt32, live: UInt32)?
    /// `--tolerance_percent`: a tolerance growing with the time since the script started.
    let tolerancePercent: Double
    /// Packets the stack sent and no line has matched yet, with the time they left.
    var sent: [(time: Int64, packet: IPPacket)] = []
    /// The tun device's `fq` root queue, when a shell line installed it: packets leave at their departure time.
    var fairQueue: FairQueueDevice?
    var pending: PendingCall?
    var skipped = 0
    /// The descriptor of the last socket call: code blocks read its TCP_INFO, as packetdrill's do.
    var lastSocketFD: Int?
    /// epoll instances by descriptor (the shared layer's).
    var epolls: [Int: EpollInstance] {
        _read { yield calls.epolls }
        _modify { yield &calls.epolls }
    }
    /// Files the script's shell lines wrote, and descriptors of files and pipes (RunnerSyscalls+Files.swift).
    var scriptFiles = ScriptFiles()
    /// Unsupported shell commands, sysctls and code blocks met so far, by name.
    var unsupported: [String] = []
    var sysctls: SysctlSettings
    /// The settings before the first `set_sysctls.py` write, for `sysctl_restore_*.sh`.
    var savedSysctls: SysctlSettings?

    typealias Descriptor = SocketCalls.Descriptor

    struct PendingCall {
        var event: ScriptEvent
        var call: SyscallSpec
        var fd: Int
        /// When the call must return, with tolerance.
        var earliest: Int64
        var latest: Int64
    }

    public init(script: Script, options: Options = Options()) throws(ScriptFailure) {
        self.script = script
        self.options = options
        let start = SourceLocation(line: 1, column: 1)
        let name = options.personality ?? script.personality ?? ScriptPersonality.defaultName
        var config: TCPConfiguration
        do { config = try ScriptPersonality.configuration(named: name) } catch {
            throw ScriptFailure(location: start, message: error.description)
        }
        personality = name
        func value(_ option: String, default fallback: Int64) throws(ScriptFailure) -> Int64 {
            guard let text = script.option(option) else { return fallback }
            guard let v = Int64(text), v >= 0 else {
                throw ScriptFailure(location: start, message: "--\(option)=\(text) is not a non-negative integer")
            }
            return v
        }
        tolerance = try value("tolerance_usecs", default: 4000)
        tsTickMicros = try value("tcp_ts_tick_usecs", default: 0)
        guard let percent = Double(script.option("tolerance_percent") ?? "0"), percent >= 0 else {
            throw ScriptFailure(location: start, message: "--tolerance_percent is not a non-negative number")
        }
        tolerancePercent = percent
        // packetdrill's `--mtu` (default 1500): the tun device's MTU, from which the SYN's MSS follows.
        let mtu = try value("mtu", default: Int64(config.interfaceMTU))
        guard (68...65535).contains(mtu) else { throw ScriptFailure(location: start, message: "--mtu=\(mtu) is not 68 to 65535") }
        config.interfaceMTU = Int(mtu)
        bindPort = UInt16(clamping: try value("bind_port", default: 8080))
        connectPort = UInt16(clamping: try value("connect_port", default: 8080))
        localPort = bindPort
        do throws(ScriptAddressing.Problem) {
            addressing = try ScriptAddressing(
                version: script.option("ip_version"), local: script.option("local_ip"), remote: script.option("remote_ip"))
        } catch {
            throw ScriptFailure(location: start, message: error.message)
        }
        calls = SocketCalls(HostStack(addresses: [addressing.local], configuration: config, seed: 1))
        sysctls = SysctlSettings(config)
    }

    /// `a.b.c.d`, or nil.
    public static func parseIPv4(_ text: String) -> IPv4Address? { ScriptAddressing.parseIPv4(text) }

    /// Parses and runs one script.
    public static func run(text: String, file: String, options: Options = Options(), defines: Set<String> = []) throws(ScriptParseError) -> ScriptOutcome {
        let script = try ScriptParser.parse(text, file: file, defines: defines)
        return run(script, options: options)
    }

    public static func run(_ script: Script, options: Options = Options()) -> ScriptOutcome {
        let name = options.personality ?? script.personality ?? ScriptPersonality.defaultName
        var runner: ScriptRunner
        do {
            runner = try ScriptRunner(script: script, options: options)
        } catch {
            return ScriptOutcome(file: script.file, personality: name, failure: error, skippedUnsupported: 0)
        }
        var failure: ScriptFailure?
        do { try runner.runAll() } catch { failure = error }
        return ScriptOutcome(file: script.file, personality: name, failure: failure, skippedUnsupported: runner.skipped,
            unsupported: runner.unsupported)
    }

    // MARK: the main loop

    mutating func runAll() throws(ScriptFailure) {
        for event in script.events {
            try step(event)
        }
        if let p = pending {
            try settle(until: p.latest, expecting: false, at: p.event.location)
            if let p = pending {
                throw fail(p.event.location, "\(p.call.name) is still blocked at \(seconds(p.latest)) s")
            }
        }
        guard options.strict else { return }
        try unexpectedSent(after: script.events.last?.location ?? SourceLocation(line: 1, column: 1), final: true)
        // Let every timer fire: anything sent now is a packet no line expects.
        var steps = 0
        let horizon = now + Self.quietPeriodMicroseconds
        while let deadline = nextDeadline(), deadline <= horizon, steps < 100_000 {
            steps += 1
            advance(to: deadline)
            try unexpectedSent(after: script.events.last?.location ?? SourceLocation(line: 1, column: 1), final: true)
        }
    }

    mutating func step(_ event: ScriptEvent) throws(ScriptFailure) {
        let window = timeWindow(event.time)
        switch event.body {
        case .shell(let command):
            try runShell(command, at: event.location)
        case .code(let code):
            try runUntil(window.at, location: event.location)
            base = window.at
            let info = lastSocketFD.flatMap { fds[$0] }.flatMap { stack.tcpInfo(of: $0.socket, now: Instant(nanoseconds: now * 1000)) }
            switch CodeAssertions.evaluate(code, info: info) {
            case .holds: break
            case .fails(let why): throw fail(event.location, why)
            case .cannotCheck(let why): throw fail(event.location, "code block cannot be checked: \(why)")
            }
        case .packet(let spec) where spec.direction == .outbound:
            if spec.icmp != nil { throw fail(event.location, "the engine sends no ICMP: an outbound icmp line cannot match") }
            try expectOutbound(spec, event: event, window: window)
        case .packet(let spec):
            try runUntil(window.at, location: event.location)
            if let icmp = spec.icmp { try injectICMP(spec, icmp, at: event.location) } else { try inject(spec, at: event.location) }
            base = window.at
        case .syscall(let call):
            let previous = base
            try runUntil(window.at, location: event.location)
            base = window.at
            try startCall(call, event: event, previousEvent: previous)
        }
    }

    struct Window {
        var at: Int64
        var earliest: Int64
        var latest: Int64
    }

    func point(_ p: TimePoint, from origin: Int64) -> Int64 { p.relative ? origin + p.microseconds : p.microseconds }

    func timeWindow(_ time: EventTime?) -> Window {
        switch time {
        case nil, .any:
            return Window(at: max(base, now), earliest: Int64.min, latest: Int64.max)
        case .at(let p):
            let t = point(p, from: base)
            return Window(at: max(t, now), earliest: t - tolerance, latest: t + tolerance)
        case .range(let lo, let hi):
            let a = point(lo, from: base), b = point(hi, from: base)
            return Window(at: max(a, now), earliest: a - tolerance, latest: b + tolerance)
        }
    }

    func seconds(_ usec: Int64) -> String {
        let sign = usec < 0 ? "-" : ""
        let v = usec < 0 ? -usec : usec
        var frac = String(v % 1_000_000)
        while frac.count < 6 { frac = "0" + frac }
        return "\(sign)\(v / 1_000_000).\(frac)"
    }

    // MARK: time

    /// The loop's next deadline in script microseconds (the loop rounds it up to the microsecond, so the timer
    /// has fired when the script's clock gets there).
    func nextDeadline() -> Int64? {
        loop.nextDeadline.map { max(now, $0.nanoseconds / 1000) }
    }

    mutating func advance(to t: Int64) {
        // The loop counts nanoseconds: a script time past Int64.max / 1000 µs (a `*` line's open end) stops there.
        now = max(now, min(t, Int64.max / 1000))
        loop.advance(to: Instant(nanoseconds: now * 1000))
        collect()
    }

    /// Moves what the stack produced through the loop; what leaves it joins `sent`, its events wake epoll.
    mutating func collect() {
        loop.now = Instant(nanoseconds: now * 1000)
        loop.flush()
        for packet in loop.takeOutbound() {
            if packet.tcp.flags.contains(.syn) {
                if !packet.tcp.flags.contains(.ack) { awaitingSynAck = true }
                localISN = packet.tcp.sequenceNumber
                localPort = packet.tcp.sourcePort
                remotePort = packet.tcp.destinationPort
            }
            if fairQueue != nil {
                let departure = fairQueue!.departure(of: packet, at: now, stack: stack)
                sent.append((departure, packet))
            } else {
                sent.append((now, packet))
            }
        }
        calls.wakeEpoll(loop.takeEvents())
    }

    /// Fires timers up to `t`. Packets sent meanwhile are unexpected, since the next line is not an outbound packet.
    mutating func runUntil(_ t: Int64, location: SourceLocation) throws(ScriptFailure) {
        try settle(until: t, expecting: false, at: location)
        advance(to: t)
        try retryPending()
        try unexpectedSent(after: location, final: false)
    }

    /// Advances through timer deadlines up to `t`, retrying a blocked call after each; stops early once a packet
    /// is waiting when `expecting` is set.
    mutating func settle(until t: Int64, expecting: Bool, at location: SourceLocation) throws(ScriptFailure) {
        var steps = 0
        while steps < 100_000 {
            steps += 1
            if expecting && !sent.isEmpty { return }
            if !expecting { try unexpectedSent(after: location, final: false) }
            guard let d = nextDeadline(), d <= t else { return }
            advance(to: d)
            try retryPending()
        }
    }

    mutating func unexpectedSent(after location: SourceLocation, final: Bool) throws(ScriptFailure) {
        guard let first = sent.first else { return }
        // packetdrill reads the stack's packets only at `>` lines: the next one meets this packet first.
        if !final && !options.strict { return }
        let when = final ? "after the last line" : "before line \(location.line)"
        throw fail(location, "unexpected outbound packet at \(seconds(first.time)) s \(when)",
            actual: PacketText.outbound(first.packet.tcp, isn: localISN))
    }

    // MARK: packets

    mutating func expectOutbound(_ spec: PacketSpec, event: ScriptEvent, window: Window) throws(ScriptFailure) {
        if sent.isEmpty {
            try settle(until: window.latest, expecting: true, at: event.location)
        }
        guard let (time, sniffed) = sent.first else {
            // Look ahead on a copy to tell a late packet from a missing one.
            var probe = self
            // A `*` line has no latest time: saturate rather than overflow.
            let (horizon, overflow) = window.latest.addingReportingOverflow(Self.lookAheadMicroseconds)
            try? probe.settle(until: overflow ? Int64.max : horizon, expecting: true, at: event.location)
            if let (late, packet) = probe.sent.first {
                throw fail(event.location,
                    "outbound packet late: sent at \(seconds(late)) s, expected by \(seconds(window.latest)) s (tolerance \(tolerance) us)",
                    expected: PacketText.spec(spec), actual: PacketText.outbound(packet.tcp, isn: probe.localISN))
            }
            advance(to: window.latest)
            let by = window.latest == Int64.max ? "" : " by \(seconds(window.latest)) s"
            throw fail(event.location, "missing outbound packet: none sent\(by)", expected: PacketText.spec(spec))
        }
        sent.removeFirst()
        var packet = sniffed
        if packet.tcp.payload.count < spec.payloadLength && !options.strict {
            packet = try aggregate(packet, upTo: spec, event: event, window: window)
        }
        let actual = PacketText.outbound(packet.tcp, isn: localISN)
        if time < window.earliest || time > window.latest {
            let why = time < window.earliest ? "early" : "late"
            throw fail(event.location,
                "outbound packet \(why): sent at \(seconds(time)) s, expected \(seconds(window.earliest + tolerance))"
                    + (window.latest == Int64.max ? "" : "...\(seconds(window.latest - tolerance))")
                    + " s (tolerance \(tolerance) us)",
                expected: PacketText.spec(spec), actual: actual)
        }
        if let mismatch = mismatch(spec, packet.tcp) ?? ecnMismatch(spec, packet) ?? Self.ipHeaderMismatch(spec, packet) {
            throw fail(event.location, "outbound packet differs: \(mismatch)", expected: PacketText.spec(spec), actual: actual)
        }
        base = time
    }

    /// packetdrill's `do_outbound_script_packet` without `--strict_segments`: a line expecting more payload than the
    /// packet carries is met by the packets that follow it back to back (the TSO/GSO packets the kernel cut the
    /// write into), as one packet of their joined payload with the last one's flags. `verify_packet_fragments`
    /// compares each with the one before as `verify_tcp` does when not strict (FIN, PSH and CWR may differ; the
    /// sequence numbers follow on) and wants the same payload from all but the last.
    mutating func aggregate(_ first: IPPacket, upTo spec: PacketSpec, event: ScriptEvent, window: Window)
        throws(ScriptFailure) -> IPPacket
    {
        var joined = first
        var previous = first.tcp
        while joined.tcp.payload.count < spec.payloadLength {
            if sent.isEmpty { try settle(until: window.latest, expecting: true, at: event.location) }
            guard let (_, next) = sent.first else { break }
            let remaining = spec.payloadLength - joined.tcp.payload.count
            let piece = next.tcp
            let loose: TCPFlags = [.fin, .psh, .cwr]
            guard piece.flags.subtracting(loose) == previous.flags.subtracting(loose),
                piece.sequenceNumber == previous.sequenceNumber &+ UInt32(previous.payload.count),
                piece.acknowledgmentNumber == previous.acknowledgmentNumber, piece.window == previous.window,
                piece.options.count == previous.options.count,
                piece.payload.count >= remaining || piece.payload.count == previous.payload.count
            else { break }
            sent.removeFirst()
            joined.tcp.payload = Payload(Array(joined.tcp.payload) + Array(piece.payload))
            joined.tcp.flags = piece.flags
            previous = piece
        }
        return joined
    }

    /// What differs between the scripted and the actual outbound segment, or nil.
    mutating func mismatch(_ spec: PacketSpec, _ s: TCPSegment) -> String? {
        if s.flags != spec.flags { return "flags \(PacketText.flags(s.flags)), expected \(spec.flagsText)" }
        if packetSource(s) != nil { return packetSource(s) }
        let seq = s.sequenceNumber &- localISN
        if seq != spec.sequenceStart { return "sequence \(seq), expected \(spec.sequenceStart)" }
        if s.payload.count != spec.payloadLength { return "payload length \(s.payload.count), expected \(spec.payloadLength)" }
        let ackBase = s.flags.contains(.syn) ? 0 : remoteISN
        if let ack = spec.ack, spec.flags.contains(.ack), s.acknowledgmentNumber &- ackBase != ack {
            return "ack \(s.acknowledgmentNumber &- ackBase), expected \(ack)"
        }
        if let win = spec.window, s.window != win { return "window \(s.window), expected \(win)" }
        if let urg = spec.urgentPointer, s.urgentPointer != urg { return "urgent pointer \(s.urgentPointer), expected \(urg)" }
        let actual = PacketText.trimmedOptions(s.options)
        switch spec.options {
        case .any:
            break
        case .none:
            if !actual.isEmpty { return "options \(PacketText.options(actual)), expected none" }
        case .list(var expected):
            while expected.last == .endOfList { expected.removeLast() }
            guard expected.count == actual.count else {
                return "options \(PacketText.options(actual)), expected \(PacketText.options(expected))"
            }
            for (e, a) in zip(expected, actual) {
                // The TS val is the stack's clock: learn the mapping (ScriptRunner+Timestamps.swift); `TS val ...` matches
                // any value and teaches none. The echo is never checked, as packetdrill's run_packet.c does not.
                if case .timestamps(let scriptVal, _) = e, case .timestamps(let liveVal, _) = a {
                    if !spec.timestampValueAny {
                        tsValues[scriptVal] = liveVal
                        if let why = timestampValueMismatch(script: scriptVal, live: liveVal) { return why }
                    }
                } else if e != a {
                    return "options \(PacketText.options(actual)), expected \(PacketText.options(expected))"
                }
            }
        }
        return nil
    }

    func packetSource(_ s: TCPSegment) -> String? {
        guard s.destinationPort == remotePort else { return "destination port \(s.destinationPort), expected \(remotePort)" }
        return nil
    }

    mutating func inject(_ spec: PacketSpec, at location: SourceLocation) throws(ScriptFailure) {
        var list: [TCPOption] = []
        switch spec.options {
        case .none: break
        case .any: throw fail(location, "an inbound packet cannot have <...> options")
        case .list where spec.timestampValueAny: throw fail(location, "an inbound packet cannot have TS val ...")
        case .list(let options):
            for o in options {
                switch o {
                case .timestamps(let value, let ecr):
                    // packetdrill: an inbound ecr names a script TS val; send the live value the stack used.
                    list.append(.timestamps(value: value, echoReply: tsValues[ecr] ?? ecr))
                case .sack(let blocks):
                    list.append(.sack(blocks.map { SACKBlock(left: $0.left &+ localISN, right: $0.right &+ localISN) }))
                default:
                    list.append(o)
                }
            }
        }
        let options: TCPOptions
        do { options = try TCPOptions(list) } catch { throw fail(location, "options do not fit in a TCP header") }
        if spec.flags.contains(.syn) && (spec.flags.contains(.ack) ? awaitingSynAck : !remoteISNSet) {
            remoteISN = spec.sequenceStart
            remoteISNSet = true
            awaitingSynAck = false
        }
        let segment = TCPSegment(
            sourcePort: remotePort, destinationPort: localPort,
            sequenceNumber: spec.flags.contains(.syn) ? spec.sequenceStart : spec.sequenceStart &+ remoteISN, acknowledgmentNumber: spec.ack.map { $0 &+ localISN } ?? 0,
            flags: spec.flags, window: spec.window ?? 65535, urgentPointer: spec.urgentPointer ?? 0,
            options: options, payload: [UInt8](repeating: 0, count: spec.payloadLength))
        var packet = IPPacket(from: remote, to: local, tcp: segment)
        Self.applyIPHeaderFields(spec, to: &packet)
        if let codepoint = Self.ecnCodepoints(spec.ecn).first { packet.ecn = codepoint }
        packet.fillChecksums()
        loop.now = Instant(nanoseconds: now * 1000)
        loop.deliver(packet)
        collect()
        try retryPending()
    }

    // MARK: failures

    func fail(_ location: SourceLocation, _ message: String, expected: String? = nil, actual: String? = nil) -> ScriptFailure {
        ScriptFailure(location: location, message: message, expected: expected, actual: actual, engineState: engineState())
    }

    func engineState() -> [String] {
        var lines: [String] = []
        for fd in fds.keys.sorted() {
            let id = fds[fd]!.socket
            guard let c = stack.connection(id) else {
                lines.append("fd \(fd): no socket")
                continue
            }
            var line = "fd \(fd): \(c.state.rfcName)"
            if c.state != .closed && c.state != .listen {
                let isn = c.iss.rawValue
                line += " snd.una=\(c.sndUna.rawValue &- isn) snd.nxt=\(c.sndNxt.rawValue &- isn) rcv.nxt=\(c.rcvNxt.rawValue) snd.wnd=\(c.sndWnd)"
            }
            if let e = c.pendingError { line += " error=\(e.errnoName)" }
            lines.append(line)
        }
        lines.append("time \(seconds(now)) s, personality \(personality)")
        return lines
    }
}

extension ScriptRunner {
    /// The folder of the script file, for the shell files it runs.
    var scriptDirectory: String {
        guard let slash = script.file.lastIndex(of: "/") else { return "." }
        return String(script.file[..<slash])
    }

    /// A backtick line: its sysctl writes reconfigure the engine; what cannot be modelled is named.
    mutating func runShell(_ command: String, at location: SourceLocation) throws(ScriptFailure) {
        let reader = options.readFile
        let interpreter = ShellInterpreter(readFile: { path in reader?(path) }, directory: scriptDirectory)
        var missing: [String] = []
        for effect in interpreter.effects(of: command) {
            switch effect {
            case .sysctl(let name, let value, let saved):
                if saved && savedSysctls == nil { savedSysctls = sysctls }
                if let why = sysctls.apply(name, value) { missing.append("sysctl \(name)=\(value): \(why)") }
            case .restore:
                if let saved = savedSysctls { sysctls = saved }
                savedSysctls = nil
            case .transmitQueueDrops(let drops):
                stack.transmitQueueDrops = drops
                fairQueue = nil
            case .fairQueue(let on):
                fairQueue = on ? FairQueueDevice() : nil
            case .writeFile(let path, let bytes):
                scriptFiles.contents[path] = bytes
            case .removeFile(let path):
                scriptFiles.contents[path] = nil
            case .unsupported(let what):
                missing.append("shell command '\(what)'")
            }
        }
        stack.reconfigure(sysctls.configuration)
        guard missing.isEmpty else {
            guard options.allowUnsupported else {
                throw fail(location, "unsupported: \(missing.joined(separator: "; ")) (run with --allow-unsupported to go on)")
            }
            unsupported += missing
            skipped += 1
            return
        }
    }
}
