/// The user timeout (RFC 9293 §3.10.8 "USER TIMEOUT", RFC 5482 semantics, Linux `TCP_USER_TIMEOUT`): abort when
/// sent data has stayed unacknowledged for longer than `timeout`.
public struct UserTimeout: Sendable, Hashable {
    /// nil: no user timeout (the retry limits decide).
    public var timeout: Duration? {
        get { timeoutNanoseconds == .min ? nil : .nanoseconds(timeoutNanoseconds) }
        set { timeoutNanoseconds = newValue?.nanosecondsValue ?? .min }
    }
    /// Since when unacknowledged data has made no progress; nil when nothing is outstanding.
    public private(set) var since: Instant? {
        get { sinceValue.value }
        set { sinceValue.value = newValue }
    }
    // Stored in 16 bytes instead of 40 (nanoseconds, `Int64.min` for nil): it sits in every connection.
    private var timeoutNanoseconds: Int64 = .min
    private var sinceValue = OptionalInstant()

    /// A user timeout of `timeout` (nil: none), with nothing outstanding.
    public init(timeout: Duration?) { self.timeout = timeout }

    /// Equal to `UserTimeout(timeout: nil)`.
    var isDefault: Bool { timeoutNanoseconds == .min && sinceValue.isNil }

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
        guard timeoutNanoseconds != .min, let since else { return nil }
        return Instant(nanoseconds: since.nanoseconds + timeoutNanoseconds)
    }

    /// True once unacknowledged data has waited past `timeout`.
    public func isExpired(at now: Instant) -> Bool { deadline.map { now >= $0 } ?? false }
}
