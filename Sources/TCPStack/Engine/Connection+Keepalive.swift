import TCPWire

/// SO_KEEPALIVE with TCP_KEEPIDLE/KEEPINTVL/KEEPCNT (zero: the configuration's value), kept small.
struct KeepaliveSettings: Sendable, Hashable {
    var enabled = false
    var idleSeconds: UInt16 = 0
    var intervalSeconds: UInt16 = 0
    var count: UInt8 = 0
    /// Probes sent since the peer was last heard (Linux `icsk_probes_out` for keep-alive).
    var probesSent: UInt8 = 0
    /// When the keep-alive timer fires next; nil: not running.
    var deadline: Instant? {
        get { deadlineValue.value }
        set { deadlineValue.value = newValue }
    }
    private var deadlineValue = OptionalInstant()

    /// Equal to `KeepaliveSettings()`.
    var isDefault: Bool {
        !enabled && idleSeconds == 0 && intervalSeconds == 0 && count == 0 && probesSent == 0 && deadlineValue.isNil
    }
}

/// Keep-alive (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4; Linux `tcp_keepalive_timer`) and the user timeout
/// (RFC 9293 §3.8.6.4 / RFC 5482; Linux TCP_USER_TIMEOUT) in the engine.
extension Connection {
    func keepaliveIdle(_ config: TCPConfiguration) -> Duration {
        keepalive.idleSeconds > 0 ? .seconds(Int64(keepalive.idleSeconds)) : config.keepaliveIdle
    }
    func keepaliveInterval(_ config: TCPConfiguration) -> Duration {
        keepalive.intervalSeconds > 0 ? .seconds(Int64(keepalive.intervalSeconds)) : config.keepaliveInterval
    }
    func keepaliveCount(_ config: TCPConfiguration) -> Int {
        keepalive.count > 0 ? Int(keepalive.count) : config.keepaliveCount
    }
    /// The connection-establishment time limit (FreeBSD `TP_KEEPINIT`), or nil.
    func connectTimeout(_ config: TCPConfiguration) -> Duration? {
        let seconds = rareState?.connectTimeoutSeconds ?? 0
        return seconds > 0 ? .seconds(Int64(seconds)) : config.connectTimeout
    }

    /// States in which keep-alive runs (Linux: all but CLOSE, SYN-SENT and LISTEN; TIME-WAIT has its own timer).
    private var keepaliveApplies: Bool { state.isSynchronized && state != .timeWait }

    /// (Re)starts the keep-alive timer `after` from now, when it is on and applies (Linux
    /// `inet_csk_reset_keepalive_timer`, from `tcp_finish_connect`, `tcp_create_openreq_child`, `tcp_set_keepalive`).
    mutating func armKeepalive(after: Duration, now: Instant) {
        keepalive.deadline = keepalive.enabled && keepaliveApplies ? now + after : nil
    }

    /// Any acceptable segment proves the peer alive (Linux `tcp_ack`: `rcv_tstamp`, `icsk_probes_out = 0`).
    mutating func peerHeard(now: Instant) {
        lastHeard = now
        keepalive.probesSent = 0
    }

    /// What the keep-alive timer does at `now`.
    enum KeepaliveExpiry { case rescheduled, probe, timedOut, establishmentTimedOut }

    /// Linux `tcp_keepalive_timer`: with data outstanding, look again after the idle time; once idle that long,
    /// probe every interval; after `count` unanswered probes (or, with a user timeout, once that much time passed
    /// without hearing from the peer and a probe went out) the connection is dead.
    mutating func keepaliveTimerFires(now: Instant, config: TCPConfiguration) -> KeepaliveExpiry {
        let idle = keepaliveIdle(config)
        // Before ESTABLISHED, where the system has one, the timer is the connection-establishment limit that
        // `connect` armed (FreeBSD tcp_timer_keep: `t_state < TCPS_ESTABLISHED` -> drop). Linux has none: its
        // keep-alive timer probes a SYN-RECEIVED connection like any synchronized one.
        if state == .synSent || state == .synReceived, connectTimeout(config) != nil { return .establishmentTimedOut }
        guard keepalive.enabled, keepaliveApplies else {
            keepalive.deadline = nil
            return .rescheduled
        }
        if sndNxt != sndUna || dataEnd != sndNxt {
            keepalive.deadline = now + idle  // RFC 1122 §4.2.3.6: only an idle connection is probed
            return .rescheduled
        }
        let elapsed = now - lastHeard
        guard elapsed >= idle else {
            keepalive.deadline = lastHeard + idle
            return .rescheduled
        }
        if let timeout = userTimeout.timeout {
            if elapsed >= timeout && keepalive.probesSent > 0 { return .timedOut }
        } else if Int(keepalive.probesSent) >= keepaliveCount(config) {
            return .timedOut
        }
        keepalive.probesSent &+= 1
        keepalive.deadline = now + keepaliveInterval(config)
        return .probe
    }

    /// A keep-alive probe: <SEQ=SND.NXT-1><CTL=ACK>, an old sequence number the peer must acknowledge (RFC 1122
    /// §4.2.3.6 without the garbage octet; Linux `tcp_xmit_probe_skb` uses SND.UNA - 1, the same when idle).
    mutating func sendKeepaliveProbe(now: Instant, out: inout EngineOutput) {
        emit(seq: sndUna - 1, flags: .ack, now: now, out: &out)
    }

    /// Keeps the user-timeout clock: it runs while sent data (or a window probe) waits for an acknowledgment and
    /// restarts when SND.UNA advances (RFC 5482 §2; Linux `retrans_stamp`, `icsk_probes_tstamp`).
    mutating func updateUserTimeoutClock(now: Instant) {
        guard userTimeout.timeout != nil else { return }
        // While probing, the persist timer applies the user timeout itself (from its first expiry, as Linux
        // tcp_probe_timer does with icsk_probes_tstamp).
        let waiting = sndNxt != sndUna
        if !waiting {
            userTimeout.acknowledged(dataStillOutstanding: false, at: now)
        } else {
            userTimeout.dataSent(at: now)
        }
    }
}
