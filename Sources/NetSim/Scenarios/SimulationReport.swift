import TCPStack
import TCPWire

/// What one simulated run produced: everything the outputs (story, trace, netstat, explain, SVG, JSON, pcap)
/// are rendered from. Nothing in it is scripted; it is what the stacks and applications did.
public struct SimulationReport: Sendable {
    public struct Attempt: Hashable, Sendable {
        public var start: Instant
        public var local: Endpoint?
        public var remote: Endpoint
        public var result: SocketError?
    }

    public var options: SimulationOptions
    public var story: [StoryLine]
    /// Every packet of the run (empty when not recording).
    public var captures: [CapturedPacket]
    /// The packets worth showing: the last refused attempt and the connection that succeeded.
    public var chosenCaptures: [CapturedPacket]
    public var transitions: [TransitionRecord]
    /// The transitions of the sockets in `chosenCaptures`, from the last refused attempt on.
    public var chosenTransitions: [TransitionRecord]
    public var attempts: [Attempt]
    /// The connection the client ended up with, if it connected.
    public var connection: (local: Endpoint, remote: Endpoint, at: Instant)?
    /// `netstat -tn` at the end of the run (every host).
    public var connectionTable: [ConnectionRow]
    public var endTime: Instant
    public var packetsSent: Int
    public var reachability: String

    public var refusedAttempts: Int { attempts.filter { $0.result == .connectionRefused }.count }
    public var isSelfConnect: Bool { connection.map { $0.local == $0.remote } ?? false }

    /// The one-line summary under the story.
    public var summaryLine: String {
        let ports = attempts.compactMap { $0.local?.port }
        let portText = ports.isEmpty ? "none" : "\(ports.first!) (first) .. \(ports.last!) (last)"
        let target = "port \(options.port)"
        var s: String
        if let c = connection {
            let what = c.local == c.remote ? "self-connected" : "connected"
            s = "summary: \(what) after \(attempts.count) attempt\(attempts.count == 1 ? "" : "s")"
                + " (\(refusedAttempts) refused); source ports tried: \(portText);"
                + " simulated time \(TextFormat.seconds(c.at)) s"
        } else {
            s = "summary: no connection after \(attempts.count) attempt\(attempts.count == 1 ? "" : "s")"
                + " (\(refusedAttempts) refused); source ports tried: \(portText);"
                + " simulated time \(TextFormat.seconds(endTime)) s"
        }
        s += "; why \(target) was reachable: \(reachability)"
        return s
    }
}
