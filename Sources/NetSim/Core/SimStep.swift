import TCPStack

/// One event of a run as the step-by-step explainer sees it: what a host's stack was handed (a packet, a timer,
/// an application's call), what it sent and which transitions it made, and the TCBs it changed, before and after.
/// Recorded only when asked (`Simulator.recordSteps`): it costs two snapshots per event.
public struct SimStep: Sendable {
    /// What the stack was handed at this step.
    public enum Trigger: Hashable, Sendable {
        /// The packet `captures[index]` arrived.
        case packet(capture: Int)
        /// A timer of the stack fired.
        case timer
        /// An application called the socket API.
        case application
    }

    /// When it happened, in simulated time.
    public var time: Instant
    /// The host whose stack was handed it.
    public var host: String
    /// What the stack was handed.
    public var trigger: Trigger
    /// Indices into the run's captures of the packets sent during the step.
    public var sent: Range<Int>
    /// Indices into the run's transitions of those made during the step.
    public var transitions: Range<Int>
    /// The TCBs that changed: before (nil: the socket had no TCB yet) and after (nil: it is gone).
    public var changes: [(before: TCBSnapshot?, after: TCBSnapshot?)]
}

extension TCBSnapshot {
    /// Identity of a TCB across one step: descriptor and addresses (a descriptor reused for a new connect()
    /// within the step is another TCB).
    var stepKey: String {
        "\(socket.rawValue) \(local.map { "\($0.address):\($0.port)" } ?? "-") \(remote.map { "\($0.address):\($0.port)" } ?? "-")"
    }
}

/// The changed TCBs between two snapshots of one stack, in descriptor order.
func changedTCBs(_ before: [TCBSnapshot], _ after: [TCBSnapshot]) -> [(before: TCBSnapshot?, after: TCBSnapshot?)] {
    var old: [String: TCBSnapshot] = [:]
    for b in before { old[b.stepKey] = b }
    var out: [(before: TCBSnapshot?, after: TCBSnapshot?)] = []
    var seen = Set<String>()
    for a in after {
        seen.insert(a.stepKey)
        let b = old[a.stepKey]
        if b != a { out.append((b, a)) }
    }
    for b in before where !seen.contains(b.stepKey) { out.append((b, nil)) }
    return out
}
