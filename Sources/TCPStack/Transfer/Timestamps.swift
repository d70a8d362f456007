/// The timestamp clock (RFC 7323 §5.4): TSval = ticks of `tick` since the injected clock's origin, plus `offset`
/// (Linux ≥ 4.10 adds a per-connection offset; a 1 ms tick since 4.13, HZ jiffies before).
public struct TimestampClock: Sendable, Hashable {
    public var tick: Duration
    public var offset: UInt32

    public init(tick: Duration = .milliseconds(1), offset: UInt32 = 0) {
        self.tick = tick
        self.offset = offset
    }

    public func value(at now: Instant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / tick.nanosecondsValue) &+ offset
    }
}

/// Per-connection timestamp state (RFC 7323): TS.Recent and its age, PAWS (§5), and RTT measurement (§4).
public struct TimestampState: Sendable, Hashable {
    public var clock: TimestampClock
    /// How far below TS.Recent a TSval may be and still pass: 0 in RFC 7323 §5.3, 1 on Linux (`TCP_PAWS_WINDOW`).
    public var pawsWindow: UInt32
    public private(set) var tsRecent: UInt32?
    /// When TS.Recent was last set: after 24 days of idleness it is no longer trusted (RFC 7323 §5.5).
    public private(set) var tsRecentSetAt = Instant.zero

    /// RFC 7323 §5.5: timestamps wrap sign in at most 24.8 days at 1 ms, so an older TS.Recent is invalid.
    public static let pawsIdleLimit = Duration.seconds(24 * 24 * 60 * 60)

    public init(clock: TimestampClock, pawsWindow: UInt32 = 0) {
        self.clock = clock
        self.pawsWindow = pawsWindow
    }

    /// TSval for an outgoing segment.
    public func value(at now: Instant) -> UInt32 { clock.value(at: now) }

    /// TSecr for an outgoing segment (RFC 7323 §3.2: TS.Recent, 0 before any).
    public var echoReply: UInt32 { tsRecent ?? 0 }

    /// PAWS (RFC 7323 §5.3 R1): false when the segment must be dropped (and ACKed, unless it is a RST).
    public func pawsAccepts(tsVal: UInt32, isReset: Bool, at now: Instant) -> Bool {
        guard let recent = tsRecent, !isReset else { return true }
        if now - tsRecentSetAt > Self.pawsIdleLimit { return true }  // RFC 7323 §5.5: TS.Recent too old to judge
        return Int32(bitPattern: recent &- tsVal) <= Int32(bitPattern: pawsWindow)
    }

    /// RFC 7323 §4.3 (2): take TSval into TS.Recent when TSval ≥ TS.Recent and SEG.SEQ ≤ Last.ACK.sent (the segment
    /// covers the left window edge), so a delayed or reordered segment never updates it.
    public mutating func segmentAccepted(tsVal: UInt32, seq: UInt32, lastAckSent: UInt32, at now: Instant) {
        guard SequenceSpace.le(seq, lastAckSent) else { return }
        if let recent = tsRecent, Int32(bitPattern: tsVal &- recent) < 0 { return }
        tsRecent = tsVal
        tsRecentSetAt = now
    }

    /// RTTM (RFC 7323 §4.1): RTT = now − TSecr, for an ACK that advances SND.UNA. Nil for a TSecr of 0 (Linux
    /// treats it as absent) or one from the future.
    public func rttSample(tsEcr: UInt32, at now: Instant) -> Duration? {
        guard tsEcr != 0 else { return nil }
        let ticks = Int32(bitPattern: clock.value(at: now) &- tsEcr)
        guard ticks >= 0 else { return nil }
        return .nanoseconds(Int64(ticks) * clock.tick.nanosecondsValue)
    }
}
