/// The timestamps option's state (RFC 7323 §4.3, §5): our clock's offset, TS.Recent and when it was set. Part of
/// `Connection`, stored inline in 32-bit fields.
struct TimestampState: Sendable {
    /// Added to our millisecond clock (Linux `tsoffset`, random per address pair when the personality says so).
    var offset: UInt32 = 0
    /// TS.Recent: the peer's TSval to echo.
    var recent: UInt32 = 0
    /// When TS.Recent was last set, in whole seconds of the host clock (Linux `ts_recent_stamp`): an older one
    /// no longer judges PAWS (RFC 7323 §5.5).
    var recentStamp: UInt32 = 0

    /// RFC 7323 §5.5: a TS.Recent idle for more than 24 days may have wrapped in sign; Linux `TCP_PAWS_24DAYS`.
    static let pawsIdleLimitSeconds: UInt32 = 24 * 24 * 60 * 60

    /// Our TSval at `now` (a millisecond clock, RFC 7323 §5.4).
    func value(_ now: Instant) -> UInt32 {
        UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ offset
    }

    mutating func setRecent(_ value: UInt32, now: Instant) {
        recent = value
        recentStamp = UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000_000)
    }

    /// Whether TS.Recent is still fresh enough to reject an older TSval (Linux tcp_paws_check).
    func recentIsValid(now: Instant) -> Bool {
        let seconds = UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000_000)
        return seconds &- recentStamp < Self.pawsIdleLimitSeconds
    }

    /// RFC 7323 §4.3 (Linux `tcp_replace_ts_recent`): a TSval from a segment starting at or before the last
    /// RCV.NXT we acknowledged (`startsByLastAck`) replaces TS.Recent if it is not older, or TS.Recent expired.
    mutating func note(_ tsval: UInt32, startsByLastAck: Bool, now: Instant) {
        if startsByLastAck && (Int32(bitPattern: tsval &- recent) >= 0 || !recentIsValid(now: now)) {
            setRecent(tsval, now: now)
        }
    }

    /// RFC 7323 §5.3 R1 (PAWS): is `tsval` no older than TS.Recent, with `slack` ticks allowed, or is TS.Recent
    /// too old to judge?
    func passesPAWS(_ tsval: UInt32, slack: Int32, now: Instant) -> Bool {
        Int32(bitPattern: recent &- tsval) <= slack || !recentIsValid(now: now)
    }
}
