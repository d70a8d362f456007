/// The user timeout (RFC 9293 §3.10.8 "USER TIMEOUT", RFC 5482 semantics, Linux `TCP_USER_TIMEOUT`): abort when
/// sent data has stayed unacknowledged for longer than `timeout`.
public struct UserTimeout: Sendable, Hashable {
    /// nil: no user timeout (the retry limits decide).
    public var timeout: Duration?
    /// Since when unacknowledged data has made no progress; nil when nothing is outstanding.
    public private(set) var since: Instant?

    public init(timeout: Duration?) { self.timeout = timeout }

    /// Data was sent; starts the clock if nothing was outstanding.
    public mutating func dataSent(at now: Instant) {
        if since == nil { since = now }
    }

    /// SND.UNA advanced: the clock restarts, or stops when everything is acknowledged.
    public mutating func acknowledged(dataStillOutstanding: Bool, at now: Instant) {
        since = dataStillOutstanding ? now : nil
    }

    /// When the connection is to be aborted, if nothing changes.
    public var deadline: Instant? {
        guard let timeout, let since else { return nil }
        return since + timeout
    }

    public func isExpired(at now: Instant) -> Bool { deadline.map { now >= $0 } ?? false }
}
