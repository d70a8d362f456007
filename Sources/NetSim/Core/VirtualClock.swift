import TCPStack

/// The simulator's clock: it only moves forward, and only by jumping to the next event.
public struct VirtualClock: Sendable {
    /// The current virtual time.
    public private(set) var now: Instant

    /// A clock standing at `start`.
    public init(start: Instant = .zero) { now = start }

    /// Jumps to `time`; an event in the past would be a scheduling bug, so time never runs backwards.
    public mutating func jump(to time: Instant) {
        precondition(time >= now, "virtual time cannot run backwards")
        now = time
    }
}
