import TCPStack
import TCPWire

/// What one simulated run produced: everything the outputs (story, trace, netstat, explain, SVG, JSON, pcap)
/// are rendered from. Nothing in it is scripted; it is what the stacks and applications did.
public struct SimulationReport: Sendable {
    /// One connect() of the client, as the report shows it.
    public struct Attempt: Hashable, Sendable {
        /// When the attempt started, in virtual time.
        public var start: Instant
        /// The source endpoint the stack gave it, once known.
        public var local: Endpoint?
        /// The endpoint it connected to.
        public var remote: Endpoint
        /// How it ended: nil if it connected, else the error.
        public var result: SocketError?
    }

    /// The options the run was made with.
    public var options: SimulationOptions
    /// What the applications printed, in order.
    public var story: [StoryLine] {
        storyLines.map { StoryLine(time: $0.time, host: hostNames[$0.host], text: storyTexts[$0.line]) }
    }
    /// The story as the simulator kept it (hosts by index): most runs never print it, so it is named on demand.
    var storyLines: [StoryEntry]
    var storyTexts: [String]
    var hostNames: [String]
    /// Every packet of the run (empty when not recording).
    public var captures: [CapturedPacket]
    /// The packets worth showing: the last refused attempt and the connection that succeeded.
    public var chosenCaptures: [CapturedPacket]
    /// Every state transition of the run (empty when not recording).
    public var transitions: [TransitionRecord]
    /// The transitions of the sockets in `chosenCaptures`, from the last refused attempt on.
    public var chosenTransitions: [TransitionRecord]
    /// Every connect attempt of the client, in order.
    public var attempts: [Attempt]
    /// The connection the client ended up with, if it connected.
    public var connection: (local: Endpoint, remote: Endpoint, at: Instant)?
    /// `netstat -tn` at the end of the run (every host).
    public var connectionTable: [ConnectionRow]
    /// When the run ended, in virtual time.
    public var endTime: Instant
    /// Packets sent on every interface.
    public var packetsSent: Int
    /// Every event as a step with TCB snapshots, when `options.recordSteps` (else empty).
    public var steps: [SimStep]
    /// The attempts shown (the last refused one, then the one that connected or failed otherwise), each with
    /// its time window; empty when every packet is shown.
    public var windows: [AttemptWindow]

    /// One shown attempt of the telnet loop: `attempts[attempt]`, from its start to the next attempt's.
    public struct AttemptWindow: Hashable, Sendable {
        /// Index into `attempts`.
        public var attempt: Int
        /// When the attempt started.
        public var from: Instant
        /// When the next attempt started (nil for the last one).
        public var until: Instant?
        func contains(_ t: Instant) -> Bool { t >= from && until.map { t < $0 } ?? true }
    }
    /// Why the target port can or cannot be given as a source port under the personality.
    public var reachability: String

    /// Attempts refused with ECONNREFUSED.
    public var refusedAttempts: Int {
        var n = 0
        for a in attempts where a.result == .connectionRefused { n += 1 }
        return n
    }
    /// True when the client ended up connected to its own endpoint.
    public var isSelfConnect: Bool { connection.map { $0.local == $0.remote } ?? false }

    /// The one-line summary under the story.
    public var summaryLine: String {
        guard options.scenario != .simultaneousOpen else {
            let established = chosenTransitions.filter { $0.to == .established }.map(\.socket)
            let time = chosenTransitions.first { $0.to == .established }.map { TextFormat.seconds($0.time) } ?? "-"
            return "summary: simultaneous open: \(established.count) of 2 sockets reached ESTABLISHED through "
                + "SYN_RECV (crossing SYNs, RFC 9293 figure 7), the first at \(time) s; no listener was involved"
        }
        let ports = attempts.compactMap { $0.local?.port }
        let portText = ports.isEmpty ? "none" : "\(ports.first!) (first) .. \(ports.last!) (last)"
        let plural = attempts.count == 1 ? "" : "s"
        let what: String
        let time: Instant
        if let c = connection {
            what = c.local == c.remote ? "self-connected" : "connected"
            time = c.at
        } else {
            what = "no connection"
            time = story.last?.time ?? endTime
        }
        let einval = attempts.filter { $0.result == .invalidArgument }.count
        let refusedByConnect = einval == 0 ? "" : ", \(einval) refused by connect() itself with EINVAL"
        return "summary: \(what) after \(attempts.count) attempt\(plural) (\(refusedAttempts) refused\(refusedByConnect)); "
            + "source ports tried: \(portText); simulated time \(TextFormat.seconds(time)) s; "
            + (connection == nil ? "port \(options.port): " : "why port \(options.port) was reachable: ") + reachability
    }
}
