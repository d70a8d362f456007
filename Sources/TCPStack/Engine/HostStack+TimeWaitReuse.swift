import TCPWire

/// connect() onto a 4-tuple still in TIME-WAIT (Linux `tcp_twsk_unique`, net/ipv4/tcp_ipv4.c): safe when the old
/// incarnation saw timestamps, since PAWS then drops its old duplicates (RFC 7323 §5.8). The TIME-WAIT ends and
/// hands the new connection its successor ISS and TS.Recent.
extension HostStack {
    /// What a taken-over TIME-WAIT hands on: the new ISS (`tw_snd_nxt + 65535 + 2`, never 0) and TS.Recent.
    struct TimeWaitLegacy {
        var iss: SeqNum
        var ts: TimestampState
    }

    /// May connect() take over the TIME-WAIT connection `c`? Only if it saw timestamps. A socket holding its port
    /// by bind() may then always (Linux passes no `twp`); an autobound one when `tcp_tw_reuse` allows (2: either
    /// address on loopback) and `tcp_tw_reuse_delay` has passed since TIME-WAIT began, on the millisecond clock
    /// (`time_after32(tcp_clock_ms(), tw_entry_stamp + delay)`). TIME-WAIT began one 2*MSL before its deadline
    /// (a segment that restarts the timer restarts the entry stamp too, as `tcp_timewait_state_process` does).
    static func timeWaitReusable(_ c: Connection, portBound: Bool, config: TCPConfiguration, now: Instant) -> Bool {
        guard var reuse = config.timeWaitReuse, c.state == .timeWait, c.timestampsEnabled else { return false }
        if portBound { return true }
        if reuse == 2, let l = c.local, let r = c.remote {
            reuse = l.address.isLoopbackNetwork || r.address.isLoopbackNetwork ? 1 : 0
        }
        guard reuse == 1, let deadline = c.timeWaitDeadline else { return false }
        func milliseconds(_ d: Duration) -> Int64 { d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
        let enteredMs = deadline.nanoseconds / 1_000_000 - milliseconds(config.timeWaitDuration)
        return now.nanoseconds / 1_000_000 > enteredMs + milliseconds(config.timeWaitReuseDelay)
    }

    /// Whether an autobound connect() from `local` to `remote` could take over any TIME-WAIT: `tcp_tw_reuse` 1, or
    /// 2 with either address on loopback (the TIME-WAIT has the same addresses). Keeps the port scan lean otherwise.
    @inline(__always)
    static func timeWaitTakeoverPossible(_ config: TCPConfiguration, local: IPAddress, remote: IPAddress) -> Bool {
        switch config.timeWaitReuse {
        case 1?: true
        case 2?: local.isLoopbackNetwork || remote.isLoopbackNetwork
        default: false
        }
    }

    /// Ends the TIME-WAIT in slot `tw` for a new connection on its 4-tuple (Linux `inet_twsk_deschedule_put`).
    mutating func takeOverTimeWait(_ tw: Int, now: Instant) -> TimeWaitLegacy {
        var iss = slots[tw].sndNxt + 65535 + 2
        if iss.rawValue == 0 { iss = SeqNum(1) }
        let legacy = TimeWaitLegacy(iss: iss, ts: slots[tw].ts)
        slots[tw].setState(.closed, cause: .user(.connect), rfc: "RFC 7323 §5.8", linux: "tcp_twsk_unique",
            now: now, config: configuration, out: &out)
        connectionClosed(tw)
        return legacy
    }

    /// The TIME-WAIT connect() may take over on `tuple`, if any.
    func reusableTimeWait(on tuple: FourTuple, portBound: Bool, now: Instant) -> Int? {
        guard let reuse = configuration.timeWaitReuse, reuse != 0 || portBound, !connections.isEmpty,
              let tw = connections.index(of: tuple, in: slots),
              Self.timeWaitReusable(slots[tw], portBound: portBound, config: configuration, now: now) else { return nil }
        return tw
    }
}
