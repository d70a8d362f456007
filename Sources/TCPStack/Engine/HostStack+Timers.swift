import TCPWire

/// The timers (RFC 9293 §3.10.8): TIME-WAIT, persist, delayed ACK, keep-alive, the user timeout and
/// retransmission (with RACK's reorder timer and the tail loss probe sharing its deadline).
extension HostStack {
    /// Runs every timer due at `now` (RFC 9293 §3.10.8).
    public mutating func advance(to now: Instant) {
        for i in slots.indices {
            guard slots[i].inUse, let due = slots[i].nextDeadline, due <= now else { continue }
            // Fields are read in place: a copy of the slot would share its buffers and make every write copy them.
            let state = slots[i].state, retransmitCount = slots[i].retransmitCount
            if let tw = slots[i].timeWaitDeadline, tw <= now {
                // RFC 9293 §3.10.8 time-wait timeout: delete the TCB (Linux inet_twsk_kill via the TW timer).
                slots[i].setState(.closed, cause: .timer(.timeWait), rfc: "RFC 9293 §3.10.8",
                    linux: "tcp_time_wait", now: now, config: configuration, out: &out)
                connectionClosed(i)
                continue
            }
            if let probe = slots[i].persist.deadline, probe <= now {
                let userTimeout = slots[i].userTimeout.timeout
                if slots[i].persist.userTimeoutExpired(userTimeout, at: now) {
                    // Linux tcp_probe_timer: probing for longer than TCP_USER_TIMEOUT: ETIMEDOUT.
                    timeOut(i, timer: .userTimeout, rfc: "RFC 9293 §3.8.6.4", linux: "tcp_probe_timer", now: now)
                    continue
                }
                switch slots[i].persist.expire(at: now) {
                case .sendProbe:
                    // RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17: probe the zero window, backing off (Linux tcp_probe_timer).
                    if !slots[i].sendWindowProbe(now: now, config: configuration, out: &out) {
                        slots[i].persist.probeDroppedLocally(at: now)
                    }
                    slots[i].persist.clampToUserTimeout(userTimeout, at: now)
                case .timedOut:
                    // Linux tcp_probe_timer: tcp_retries2 probes unanswered: ETIMEDOUT (RFC 1122 allows no limit).
                    timeOut(i, timer: .persist, rfc: "RFC 1122 §4.2.2.17", linux: "tcp_probe_timer", now: now)
                    continue
                }
            }
            if let ack = slots[i].delack.deadline, ack <= now {
                // RFC 1122 §4.2.3.2 delayed-ACK timeout (Linux tcp_delack_timer_handler).
                slots[i].delayedAckTimerFires(now: now, config: configuration, out: &out)
            }
            if let keepalive = slots[i].keepalive.deadline, keepalive <= now {
                switch slots[i].keepaliveTimerFires(now: now, config: configuration) {
                case .rescheduled:
                    break
                case .probe:
                    // RFC 1122 §4.2.3.6: an idle connection is probed (Linux tcp_keepalive_timer -> tcp_write_wakeup).
                    slots[i].sendKeepaliveProbe(now: now, out: &out)
                case .timedOut:
                    // RFC 1122 §4.2.3.6: the peer is dead. Linux tcp_keepalive_timer resets the connection
                    // (tcp_send_active_reset) and reports ETIMEDOUT (tcp_write_err).
                    slots[i].sendActiveReset(now: now, out: &out)
                    timeOut(i, timer: .keepalive, rfc: "RFC 1122 §4.2.3.6", linux: "tcp_keepalive_timer", now: now)
                    continue
                case .establishmentTimedOut:
                    // RFC 1122 §4.2.3.5 (R2 for a SYN): give up on the open, ETIMEDOUT, no RST (FreeBSD
                    // tcp_timer_keep -> tcp_drop: nothing is sent before a SYN was received).
                    timeOut(i, timer: .keepalive, rfc: "RFC 1122 §4.2.3.5", linux: "tcp_drop (FreeBSD tcp_timer_keep)", now: now)
                    continue
                }
            }
            if slots[i].userTimeout.isExpired(at: now) {
                // RFC 9293 §3.8.6.4 user timeout (RFC 5482): data unacknowledged for that long: ETIMEDOUT (Linux
                // tcp_write_timeout / tcp_probe_timer with icsk_user_timeout).
                timeOut(i, timer: .userTimeout, rfc: "RFC 9293 §3.8.6.4", linux: "tcp_write_timeout", now: now)
                continue
            }
            guard let rtx = slots[i].retransmitDeadline, rtx <= now else { continue }
            if slots[i].reorderTimerArmed {
                // RFC 8985 §6.3: RACK's reordering timer, not a retransmission timeout (Linux tcp_rack_reo_timeout).
                slots[i].reorderTimerFires(now: now, config: configuration, out: &out)
                continue
            }
            if slots[i].lossProbeArmed {
                // RFC 8985 §7.3: the probe timeout, not a retransmission timeout (Linux tcp_send_loss_probe).
                slots[i].sendLossProbe(now: now, config: configuration, out: &out)
                continue
            }
            let limit: Int
            switch state {
            case .synSent: limit = configuration.synRetries
            case .synReceived: limit = configuration.synAckRetries
            default: limit = configuration.dataRetries
            }
            if retransmitCount >= limit {
                // RFC 9293 §3.8.3 (R2 reached) / RFC 9293 §3.10.8 user timeout: give up (Linux tcp_write_timeout).
                timeOut(i, timer: .retransmission, rfc: "RFC 9293 §3.8.3", linux: "tcp_write_timeout", now: now)
                continue
            }
            // RFC 9293 §3.8.1 retransmission timeout, RFC 6298 §5.4-§5.6 backoff (Linux tcp_retransmit_timer).
            slots[i].retransmitCount += 1
            switch state {
            case .synSent, .synReceived:
                slots[i].retransmitOldest(now: now, config: configuration, out: &out)
            default:
                // RFC 5681 §3.1, RFC 6675 §5.1: collapse cwnd and resend the flight (Connection+Congestion.swift).
                slots[i].retransmissionTimedOut(
                    firstExpiry: retransmitCount == 0, now: now, config: configuration, out: &out)
            }
            slots[i].backOffRTO()
            slots[i].retransmitDeadline = now + backedOffTimeout(slots[i].rto)
        }
    }

    /// The backed-off RTO plus FreeBSD's `tcp_rexmit_slop`, capped at `rtoMax` (`TCPT_RANGESET`); kept out of the
    /// timer loop, which runs for every connection.
    @inline(never)
    private func backedOffTimeout(_ rto: Duration) -> Duration {
        let slop = configuration.retransmitSlop
        guard slop != .zero, rto < configuration.rtoMax else { return rto }
        return min(rto + slop, configuration.rtoMax)
    }

    /// A timer gave up on the connection: ETIMEDOUT, CLOSED.
    private mutating func timeOut(_ i: Int, timer: TimerKind, rfc: String, linux: String, now: Instant) {
        let c = slots[i]
        slots[i].pendingError = .timedOut
        if !c.passiveOpen || c.state != .synReceived { out.events.append(.timedOut(c.id)) }
        slots[i].setState(.closed, cause: .timer(timer), rfc: rfc, linux: linux, now: now, config: configuration,
            out: &out)
        connectionClosed(i)
    }
}
