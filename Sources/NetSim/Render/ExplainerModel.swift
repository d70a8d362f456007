import TCPStack
import TCPWire

/// One run cut into the steps the explainer page walks through: each step is what one socket did when its stack
/// was handed one thing (a packet, a timer, a call), with the packet that arrived, the packets it sent, the
/// transitions it made (as `--explain` prints them) and its TCB before and after. Built from recorded data only.
public struct ExplainerRun: Sendable {
    /// One step of the page: one socket handed one thing.
    public struct Step: Sendable {
        /// Which shown attempt it belongs to (`SimulationReport.windows`); 0 when every packet is shown.
        public var phase: Int
        /// When, in simulated time.
        public var time: Instant
        /// The socket, as its local endpoint.
        public var socket: String
        /// What the stack was handed: `rcv [S.] ...`, `connect()`, `retransmission timer`.
        public var trigger: String
        /// Index into `packets` (the `--json` "shown" packets) of the packet that arrived, if any.
        public var received: Int?
        /// Indices into `packets` of the segments the step sent.
        public var sent: [Int]
        /// The state transitions made, as `--explain` prints them.
        public var transitions: [TransitionRecord]
        /// The socket's TCB before the step (nil: it did not exist yet).
        public var before: TCBSnapshot?
        /// The socket's TCB after the step (nil: it was freed).
        public var after: TCBSnapshot?
        /// A rule the engine applies without a TCB (a segment to a port nobody holds) or a call that failed.
        public var note: String?
        /// The ordinal, within its attempt, of the first segment this step sends (1: the SYN).
        public var segmentOrdinal: Int?
    }

    /// The run the steps come from.
    public var report: SimulationReport
    /// The steps, in time order.
    public var steps: [Step]
    /// Phase titles, e.g. "last refused attempt (20,785th)".
    public var phases: [String]

    /// Cuts a run recorded with steps (`SimulationOptions.recordSteps`) into the page's steps.
    public init(_ report: SimulationReport) {
        self.report = report
        var phases: [String] = []
        for w in report.windows {
            let a = report.attempts[w.attempt]
            let n = TextFormat.grouped(w.attempt + 1)
            let what: String
            switch a.result {
            case nil: what = report.isSelfConnect ? "the self-connect" : "the connection"
            case .connectionRefused?: what = "the last refused attempt"
            case let error?: what = "the attempt that failed with \(error.strerror)"
            }
            phases.append("\(what) (attempt \(n), source port \(a.local.map { String($0.port) } ?? "none"))")
        }
        if phases.isEmpty { phases = ["the run"] }
        self.phases = phases
        steps = Self.build(report)
    }

    static func build(_ r: SimulationReport) -> [Step] {
        // Chosen packets and transitions are ordered subsequences of all of them: map indices across.
        var packetIndex: [Int: Int] = [:]
        var j = 0
        for (i, c) in r.captures.enumerated() where j < r.chosenCaptures.count && c == r.chosenCaptures[j] {
            packetIndex[i] = j
            j += 1
        }
        var transitionChosen = Set<Int>()
        j = 0
        for (i, t) in r.transitions.enumerated() where j < r.chosenTransitions.count && t == r.chosenTransitions[j] {
            transitionChosen.insert(i)
            j += 1
        }
        func phase(_ t: Instant) -> Int { r.windows.firstIndex { $0.contains(t) } ?? 0 }

        var known: [String: TCBSnapshot] = [:]
        var steps: [Step] = []
        for s in r.steps {
            let received: Int? = { if case .packet(let c) = s.trigger { c } else { nil } }()
            var names: [String] = []
            func add(_ n: String) { if !names.contains(n) { names.append(n) } }
            if let c = received { add(AddressText.endpoint(r.captures[c].packet.destination)) }
            for t in s.transitions { add(r.transitions[t].socket) }
            for c in s.sent { add(AddressText.endpoint(r.captures[c].packet.source)) }
            for (b, a) in s.changes { if let e = (a ?? b)?.local { add(AddressText.endpoint(e)) } }
            for name in names {
                let rx = received.flatMap { c in
                    AddressText.endpoint(r.captures[c].packet.destination) == name ? packetIndex[c] : nil
                }
                let sent = s.sent.filter { AddressText.endpoint(r.captures[$0].packet.source) == name }
                    .compactMap { packetIndex[$0] }
                let moves = s.transitions.filter { r.transitions[$0].socket == name && transitionChosen.contains($0) }
                let change = s.changes.first { ($0.after ?? $0.before)?.local.map(AddressText.endpoint) == name }
                let before: TCBSnapshot? = change != nil ? change!.before : known[name]
                let after: TCBSnapshot? = change != nil ? change!.after : known[name]
                if let change { known[name] = change.after }
                guard rx != nil || !sent.isEmpty || !moves.isEmpty else { continue }
                var step = Step(
                    phase: phase(s.time), time: s.time, socket: name, trigger: "", received: rx, sent: sent,
                    transitions: moves.map { r.transitions[$0] }, before: before, after: after)
                step.trigger = trigger(s, step: step, report: r)
                if rx != nil && before == nil && after == nil, let c = received,
                    r.captures[c].packet.tcp.flags.contains(.syn), sent.contains(where: { r.chosenCaptures[$0].packet.tcp.flags.contains(.rst) })
                {
                    step.note = "No socket holds this port (no listener): RFC 9293 §3.10.7.1, a segment for a CLOSED "
                        + "connection is answered with <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Linux: "
                        + "tcp_v4_rcv -> tcp_v4_send_reset."
                }
                steps.append(step)
            }
        }
        // A connect() that fails before any segment (XNU's EINVAL) leaves no packet or transition: say so.
        for (k, w) in r.windows.enumerated() where r.attempts[w.attempt].result == .invalidArgument {
            let a = r.attempts[w.attempt]
            let step = Step(
                phase: k, time: a.start, socket: AddressText.endpoint(a.remote), trigger: "connect()", received: nil,
                sent: [], transitions: [], before: nil, after: nil,
                note: "connect() fails with EINVAL before any segment is sent: the source port chosen equals the "
                    + "destination's, and \(r.options.personality) refuses an IPv4 connection to itself (XNU "
                    + "tcp_usrreq.c tcp_connect). No TCB is created.")
            steps.append(step)
        }
        steps = steps.enumerated().sorted { a, b in
            (a.element.phase, a.element.time, a.offset) < (b.element.phase, b.element.time, b.offset)
        }.map(\.element)
        // Number each attempt's segments (the first three are its handshake).
        var count: [Int: Int] = [:]
        for i in steps.indices where !steps[i].sent.isEmpty {
            steps[i].segmentOrdinal = (count[steps[i].phase] ?? 0) + 1
            count[steps[i].phase, default: 0] += steps[i].sent.count
        }
        return steps
    }

    static func trigger(_ s: SimStep, step: Step, report r: SimulationReport) -> String {
        switch s.trigger {
        case .packet(let c):
            return "rcv " + PacketLabel.short(r.captures[c].packet.tcp)
        case .timer:
            let due = step.before?.timers.first { $0.deadline <= s.time }
            return (due?.kind.rawValue ?? "a") + " timer"
        case .application:
            if let t = step.transitions.first, t.cause.hasSuffix("()") { return t.cause }
            return step.sent.isEmpty ? "the application" : "the application writes"
        }
    }
}
