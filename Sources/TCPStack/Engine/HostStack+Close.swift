import TCPWire

/// CLOSE and SHUTDOWN(write) by state (RFC 9293 §3.10.4), and a listener that stops listening.
extension HostStack {
    /// CLOSE or SHUTDOWN(write) (RFC 9293 §3.10.4), by state.
    mutating func closeSendSide(_ i: Int, cause: TransitionCause, now: Instant) {
        let linux = "tcp_close_state"
        switch slots[i].state {
        case .synReceived, .established:
            // RFC 9293 §3.10.4: queue a FIN after pending data; FIN-WAIT-1.
            slots[i].finQueued = true
            slots[i].setState(.finWait1, cause: cause, rfc: "RFC 9293 §3.10.4", linux: linux, now: now,
                config: configuration, out: &out)
            slots[i].transmit(now: now, config: configuration, out: &out)
        case .closeWait:
            // RFC 9293 §3.10.4: CLOSE-WAIT: queue a FIN; LAST-ACK.
            slots[i].finQueued = true
            slots[i].setState(.lastAck, cause: cause, rfc: "RFC 9293 §3.10.4", linux: linux, now: now,
                config: configuration, out: &out)
            slots[i].transmit(now: now, config: configuration, out: &out)
        case .synSent:
            // RFC 9293 §3.10.4: SYN-SENT: delete the TCB.
            slots[i].setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.4", linux: "tcp_set_state", now: now,
                config: configuration, out: &out)
        default:
            // RFC 9293 §3.10.4: already closing (or closed): nothing more to send.
            break
        }
    }

    /// A listener stops listening: its queued and embryonic connections are reset (Linux inet_csk_listen_stop),
    /// and it returns to CLOSED unless an active open takes over.
    mutating func closeListener(_ l: Int, now: Instant, cause: TransitionCause, toClosed: Bool) {
        if let local = slots[l].local { listeners[local] = nil }
        if toClosed {
            slots[l].setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.4", linux: "inet_csk_listen_stop",
                now: now, config: configuration, out: &out)
        }
        let owner = slots[l].id
        for i in slots.indices {
            guard slots[i].inUse, slots[i].parent == owner, !slots[i].descriptorOpen else { continue }
            let c = slots[i]
            c.sendReset(seq: c.sndNxt, ack: c.rcvNxt, out: &out)
            slots[i].parent = nil
            slots[i].setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.5", linux: "inet_csk_listen_stop",
                now: now, config: configuration, out: &out)
            connectionClosed(i)
        }
        slots[l].acceptQueue.removeAll()
        slots[l].pendingChildren = 0
    }

    /// A connection reached CLOSED: forget its 4-tuple, release an ephemeral port, and free the slot if the
}
