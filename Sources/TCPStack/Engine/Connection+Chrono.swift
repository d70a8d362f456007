/// Where the engine drives Linux's send chronographs (`SendChrono`): data queued starts "busy" (`tcp_skb_entail`
/// -> `tcp_add_write_queue_tail`), the output path starts or stops "receive-window limited" (`tcp_write_xmit`)
/// and "send-buffer limited" (`tcp_cwnd_validate`), acknowledgements end them (`tcp_clean_rtx_queue`,
/// `tcp_check_space`). Busy time is kept inline (every sending connection has it), limited time out of line.
extension Connection {
    /// The running chronograph.
    var chrono: SendChrono {
        get { SendChrono(rawValue: sendStateBits & 3) ?? .idle }
        set { sendStateBits = sendStateBits & ~3 | newValue.rawValue }
    }
    /// When the running chronograph started (Linux `chrono_start`); shares the listener's backlog field.
    private var chronoStart: UInt32 {
        get { UInt32(bitPattern: backlogValue) }
        set { backlogValue = Int32(bitPattern: newValue) }
    }
    /// Finished busy periods (Linux `chrono_stat[TCP_CHRONO_BUSY - 1]`); shares the listener's child count.
    private var busyMilliseconds: UInt32 {
        get { UInt32(bitPattern: pendingChildrenValue) }
        set { pendingChildrenValue = Int32(bitPattern: newValue) }
    }

    /// `tcp_chrono_set`: close the running period and open `kind`'s.
    private mutating func setChrono(_ kind: SendChrono, now: Instant) {
        let ticks = SendChrono.ticks(now)
        let spent = ticks &- chronoStart
        switch chrono {
        case .idle: break
        case .busy: busyMilliseconds &+= spent
        case .receiveWindowLimited: sendLimits.receiveWindowMilliseconds &+= spent
        case .sendBufferLimited: sendLimits.sendBufferMilliseconds &+= spent
        }
        chronoStart = ticks
        chrono = kind
    }

    /// `tcp_chrono_start`: `kind` begins unless it or a higher condition already runs.
    @inline(__always)
    mutating func chronoStart(_ kind: SendChrono, now: Instant) {
        if kind > chrono { setChrono(kind, now: now) }
    }

    /// `tcp_chrono_stop`: with nothing queued or unacknowledged (Linux's write and retransmit queues empty) the
    /// sender is idle; otherwise, if `kind` was the running condition, it is merely busy again.
    @inline(__always)
    mutating func chronoStop(_ kind: SendChrono, now: Instant) {
        guard chrono != .idle else { return }
        if sendBuffer.isEmpty && sndUna == sndNxt {
            setChrono(.idle, now: now)
        } else if kind == chrono {
            setChrono(.busy, now: now)
        }
    }

    /// Microseconds per condition at `now`, the running one included, as `tcp_get_info_chrono_stats` reports them:
    /// busy time is the sum of all three.
    func chronoMicroseconds(at now: Instant) -> (busy: Int, receiveWindowLimited: Int, sendBufferLimited: Int) {
        var busy = busyMilliseconds, limits = sendLimits
        let running = SendChrono.ticks(now) &- chronoStart
        switch chrono {
        case .idle: break
        case .busy: busy &+= running
        case .receiveWindowLimited: limits.receiveWindowMilliseconds &+= running
        case .sendBufferLimited: limits.sendBufferMilliseconds &+= running
        }
        let rwnd = Int(limits.receiveWindowMilliseconds) * 1000, sndbuf = Int(limits.sendBufferMilliseconds) * 1000
        return (Int(busy) * 1000 + rwnd + sndbuf, rwnd, sndbuf)
    }

    /// The application found the send buffer full (Linux `SOCK_NOSPACE`), until acknowledged data frees room.
    var waitingForSendSpace: Bool {
        get { rareState?.sendLimits.waitingForSpace ?? false }
        set { sendLimits.waitingForSpace = newValue }
    }

    /// The peer's window has no room for the next segment (Linux `tcp_snd_wnd_test`: the next piece, at most one
    /// MSS, must end inside the window; without `config.sendWholeSegmentsInWindow`, any room will do).
    func receiveWindowBlocksNext(config: TCPConfiguration) -> Bool {
        let unsent = unsentBytes
        guard unsent > 0 else { return false }
        let usable = (sndUna + sndWnd) - sndNxt
        // Room for a whole MSS settles it without computing the options' share of the next segment.
        guard usable < sendMSS else { return false }
        return config.sendWholeSegmentsInWindow ? min(unsent, currentMSS) > usable : usable <= 0
    }

    /// After the output path tried to send new data (the end of Linux `tcp_write_xmit`).
    mutating func noteSendLimits(sentNewData: Bool, now: Instant, config: TCPConfiguration) {
        if receiveWindowBlocksNext(config: config) {
            chronoStart(.receiveWindowLimited, now: now)
        } else if chrono == .receiveWindowLimited {
            chronoStop(.receiveWindowLimited, now: now)
        }
        // tcp_cwnd_validate: data went out, cwnd was not the limit, nothing is left to send and the application
        // waits for send-buffer space: the sender is starved by its own buffer.
        if sentNewData, waitingForSendSpace, unsentBytes == 0, flightSize < cc.cwnd,
            state == .established || state == .closeWait
        {
            chronoStart(.sendBufferLimited, now: now)
        }
    }

    /// SND.UNA advanced past `acked` bytes of the buffer (Linux `tcp_clean_rtx_queue`, `tcp_check_space`).
    mutating func noteAcknowledged(acked: Int, now: Instant) {
        if acked > 0, waitingForSendSpace {
            waitingForSendSpace = false
            chronoStop(.sendBufferLimited, now: now)
        }
        if sndUna == sndNxt { chronoStop(.busy, now: now) }
    }
}
