import TCPWire

/// What the receive path asks of the next ACK.
enum AckUrgency: Comparable {
    case none
    /// New in-order data or a FIN: the policy decides between now and the delayed-ACK timer.
    case delayed
    /// Out-of-order data, a filled hole, a duplicate, data beyond the window (RFC 5681 §4.2, RFC 9293 §3.10.7.4).
    case now
}

/// The receive side's ACK state (Linux `icsk_ack`), kept small: times in nanoseconds, optional ones in 8 bytes.
struct DelayedAckState: Sendable {
    /// When the delayed ACK is due (Linux `icsk_ack.timeout` with ICSK_ACK_TIMER); nil: no timer.
    var deadline: Instant? {
        get { deadlineValue.value }
        set { deadlineValue.value = newValue }
    }
    private var deadlineValue = OptionalInstant()
    /// Linux `icsk_ack.ato` in ns; 0 until the first data arrives. At most 0.5 s, so stored in 32 bits.
    var atoNanoseconds: Int64 {
        get { Int64(atoValue) }
        set { atoValue = Int32(clamping: newValue) }
    }
    /// Linux `icsk_ack.lrcvtime`: when data last arrived, or the connection was established (`tcp_finish_connect`,
    /// `tcp_create_openreq_child`); nil: never (a simultaneous open sets neither).
    var lastReceived: Instant? {
        get { lastReceivedValue.value }
        set { lastReceivedValue.value = newValue }
    }
    private var lastReceivedValue = OptionalInstant()
    private var atoValue: Int32 = 0
    /// Linux `icsk_ack.rcv_mss`: the peer's segment size as we see it (`tcp_initialize_rcv_mss`: 536).
    var receiveMSS: Int32 {
        get { Int32(receiveMSSValue) }
        set { receiveMSSValue = UInt16(clamping: newValue) }
    }
    private var receiveMSSValue: UInt16 = 536
    /// Linux `icsk_ack.last_seg_size`: the last small segment's payload size.
    var lastSegmentSize: Int32 {
        get { Int32(lastSegmentSizeValue) }
        set { lastSegmentSizeValue = UInt16(clamping: newValue) }
    }
    private var lastSegmentSizeValue: UInt16 = 0
    /// Linux `tp->rcv_ssthresh` (Connection+ReceiveWindow.swift); 0 until the first data sets it up.
    var rcvSsthresh: Int32 = 0
    /// Linux `icsk_ack.quick`: ACKs still sent at once.
    var quick: UInt8 = 0
    /// ICSK_ACK_PUSHED (bit 0), ICSK_ACK_PUSHED2 (bit 1), pingpong (bit 2), scheduled (bit 3), packed.
    private var bits: UInt8 = 0
    /// Linux `tp->scaling_ratio`: how much of the receive buffer counts as window, in 256ths
    /// (`TCP_DEFAULT_SCALING_RATIO` 128 until `tcp_measure_rcv_mss` measures it).
    var scalingRatio: UInt8 = 128
    /// Linux ICSK_ACK_PUSHED (1) and ICSK_ACK_PUSHED2 (2): pushed or small segments wait for the reader.
    var pushed: UInt8 {
        get { bits & 3 }
        set { bits = (bits & ~3) | (newValue & 3) }
    }
    /// Linux pingpong (interactive) mode: we answer data with data, so ACKs wait to ride on it.
    var pingpong: Bool {
        get { bits & 4 != 0 }
        set { bits = newValue ? bits | 4 : bits & ~4 }
    }
    /// Received data waits for an ACK (Linux ICSK_ACK_SCHED).
    var scheduled: Bool {
        get { bits & 8 != 0 }
        set { bits = newValue ? bits | 8 : bits & ~8 }
    }
    /// `TCPConfiguration.linuxReceiveWindow` for this connection (bit 4): the window we offered is kept whole
    /// even where the unscaled field shows at most 65535 (Linux `tp->rcv_wnd`).
    var linuxWindow: Bool {
        get { bits & 16 != 0 }
        set { bits = newValue ? bits | 16 : bits & ~16 }
    }
}

/// Linux's delayed-ACK constants (include/net/tcp.h): `TCP_ATO_MIN` = `TCP_DELACK_MIN` = HZ/25, `TCP_DELACK_MAX`
/// = HZ/5, `TCP_MAX_QUICKACKS` = 16, the 0.5 s cap of `tcp_send_delayed_ack`.
private enum LinuxDelack {
    static let atoMin: Int64 = 40_000_000
    static let delackMax: Int64 = 200_000_000
    static let halfSecond: Int64 = 500_000_000
    static let maxQuickAcks = 16
}

extension Connection {
    /// Linux `tcp_incr_quickack`: up to min(rcv_wnd / (2 rcv_mss), `max`) ACKs go out at once.
    private mutating func increaseQuickAcks(max: Int) {
        var quickacks = rcvWndAdvertised / (2 * Int(delack.receiveMSS))
        if quickacks == 0 { quickacks = 2 }
        quickacks = min(quickacks, max)
        if quickacks > Int(delack.quick) { delack.quick = UInt8(quickacks) }
    }

    /// Linux `tcp_enter_quickack_mode`: after a duplicate or out-of-window data, ACK at once for a while.
    mutating func enterQuickAckMode() {
        increaseQuickAcks(max: LinuxDelack.maxQuickAcks)
        delack.pingpong = false
        delack.atoNanoseconds = LinuxDelack.atoMin
    }

    /// In-order data of `length` bytes arrived in a segment with `headerLength` bytes of TCP header (Linux
    /// `tcp_event_data_recv` with `tcp_measure_rcv_mss`): the ATO follows the gaps between arrivals.
    mutating func noteDataReceived(length: Int, headerLength: Int, flags: TCPFlags, now: Instant) {
        delack.scheduled = true
        // tcp_measure_rcv_mss: a segment at least as large as the estimate raises it (up to our MSS) and, pushed,
        // marks the end of a write; two equal smaller segments (large enough, no flag beyond ACK/PSH) set it;
        // other small segments mark a push the reader will acknowledge (ICSK_ACK_PUSHED, then PUSHED2).
        if length >= Int(delack.receiveMSS) {
            delack.receiveMSS = Int32(clamping: min(length, ourMSS))
            if flags.contains(.psh) { delack.pushed |= 1 }
        } else {
            let withHeader = length + headerLength
            let remnant = !flags.subtracting([.ack, .psh]).isEmpty
            if withHeader >= 536 + 20 || (withHeader >= 88 + 20 && !remnant) {
                let size = Int32(clamping: length)
                let previous = delack.lastSegmentSize
                delack.lastSegmentSize = size
                if size == previous {
                    delack.receiveMSS = size
                    return finishDataReceived(now: now)
                }
            }
            if delack.pushed & 1 != 0 { delack.pushed |= 2 }
            delack.pushed |= 1
        }
        finishDataReceived(now: now)
    }

    /// The ATO part of Linux `tcp_event_data_recv`.
    private mutating func finishDataReceived(now: Instant) {
        let rtoNanoseconds = rto.nanosecondsValue
        if delack.atoNanoseconds == 0 {
            // The first data: quick-ACK mode (the connection is starting), ATO at its minimum.
            increaseQuickAcks(max: LinuxDelack.maxQuickAcks)
            delack.atoNanoseconds = LinuxDelack.atoMin
        } else {
            let gap = delack.lastReceived.map { (now - $0).nanosecondsValue } ?? .max
            if gap <= LinuxDelack.atoMin / 2 {
                delack.atoNanoseconds = delack.atoNanoseconds / 2 + LinuxDelack.atoMin / 2
            } else if gap < delack.atoNanoseconds {
                delack.atoNanoseconds = min(delack.atoNanoseconds / 2 + gap, rtoNanoseconds)
            } else if gap > rtoNanoseconds {
                // The sender went idle for longer than an RTO: ACK quickly again.
                increaseQuickAcks(max: LinuxDelack.maxQuickAcks)
            }
        }
        delack.lastReceived = now
    }

    /// A segment carrying an ACK went out: nothing is pending any more (Linux `tcp_event_ack_sent` ->
    /// `tcp_dec_quickack_mode`, `inet_csk_clear_xmit_timer(ICSK_TIME_DACK)`).
    mutating func ackWentOut() {
        if delack.quick > 0 && delack.scheduled {
            delack.quick -= 1
            if delack.quick == 0 { delack.atoNanoseconds = LinuxDelack.atoMin }
        }
        delack.scheduled = false
        delack.pushed = 0
        delack.deadline = nil
    }

    /// The application read `copied` bytes (Linux `tcp_cleanup_rbuf`): the once-per-two-segments ACK the input
    /// path held back, or, once the read emptied the buffer, the ACK of a pushed write unless the connection is
    /// interactive, goes out now.
    func ackDueAfterRead(copied: Int) -> Bool {
        guard delack.scheduled else { return false }
        if rcvNxt - rcvWup > Int(delack.receiveMSS) { return true }
        return copied > 0 && receiveBuffer.isEmpty
            && (delack.pushed & 2 != 0 || (delack.pushed & 1 != 0 && !delack.pingpong))
    }

    /// A segment with data went out: answering soon after data arrived means an interactive exchange (Linux
    /// `tcp_event_data_sent`, `inet_csk_inc_pingpong_cnt` with `tcp_pingpong_thresh` 1).
    mutating func dataWentOut(now: Instant) {
        if let last = delack.lastReceived, delack.atoNanoseconds > 0,
            (now - last).nanosecondsValue < delack.atoNanoseconds
        {
            delack.pingpong = true
        }
    }

    /// The receive path is done with a segment and nothing went out that carried the ACK: send it now or arm
    /// the delayed-ACK timer, per the configuration's policy.
    mutating func acknowledgeReceived(
        _ urgency: AckUrgency, now: Instant, config: TCPConfiguration, out: inout EngineOutput
    ) {
        switch (urgency, config.delayedAck) {
        case (.none, _):
            return
        case (.now, _), (.delayed, .off):
            sendOutputAck(now: now, config: config, out: &out)
        case (.delayed, .timer(let timeout)):
            // RFC 1122 §4.2.3.2 / RFC 9293 §3.8.6.3: an ACK for at least every second full-sized segment, and
            // no later than the timeout after the first unacknowledged one (RFC 5681 §4.2).
            let fullSized = ourMSS - (timestampsEnabled ? 12 : 0)
            if rcvNxt - rcvWup >= 2 * fullSized {
                sendAck(now: now, out: &out)
            } else if delack.deadline == nil {
                delack.scheduled = true
                delack.deadline = now + timeout
            }
        case (.delayed, .linux):
            linuxAckCheck(now: now, config: config, out: &out)
        }
    }

    /// Linux `__tcp_ack_snd_check`: ACK at once when more than one full segment is unacknowledged and the window
    /// we would announce does not shrink, or in quick-ACK mode; otherwise `tcp_send_delayed_ack`.
    private mutating func linuxAckCheck(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        let unacknowledged = rcvNxt - rcvWup
        let free: Int
        if config.linuxReceiveWindow {
            // Only when more than one segment waits: __tcp_select_window may end quick-ACK mode.
            free = unacknowledged > Int(delack.receiveMSS) ? linuxSelectWindow(config) : 0
        } else {
            // __tcp_select_window rounds the free space up to the window-scale unit, as the announced window was.
            let unit = windowScalingEnabled ? 1 << Int(rcvWscale) : 1
            free = (max(0, receiveCapacity - receiveBuffer.count) + unit - 1) / unit * unit
        }
        let quickAckMode = delack.quick > 0 && !delack.pingpong
        if (unacknowledged > Int(delack.receiveMSS) && free >= rcvWndAdvertised) || quickAckMode {
            sendAck(now: now, out: &out)
            return
        }
        // tcp_send_delayed_ack: the ATO, capped by 0.5 s, or 200 ms in pingpong mode, and by the SRTT.
        var ato = delack.atoNanoseconds
        if ato > LinuxDelack.atoMin {
            var maxAto = delack.pingpong ? LinuxDelack.delackMax : LinuxDelack.halfSecond
            if let srtt = rtt.smoothedRTT {
                maxAto = min(maxAto, max(srtt.nanosecondsValue, LinuxDelack.atoMin))
            }
            ato = min(ato, maxAto)
        }
        ato = min(ato, LinuxDelack.delackMax)
        var due = now + .nanoseconds(ato)
        if let pending = delack.deadline {
            // An armed timer about to fire: send now; otherwise keep the earlier of the two.
            if pending <= now + .nanoseconds(ato / 4) {
                sendAck(now: now, out: &out)
                return
            }
            if pending < due { due = pending }
        }
        delack.scheduled = true
        delack.deadline = due
    }

    /// The delayed-ACK timer fired (Linux `tcp_delack_timer_handler`; RFC 1122 §4.2.3.2).
    mutating func delayedAckTimerFires(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        delack.deadline = nil
        guard delack.scheduled else { return }
        if config.delayedAck == .linux {
            if delack.pingpong {
                // The application did not answer in time: leave pingpong mode, ATO back to its minimum.
                delack.pingpong = false
                delack.atoNanoseconds = LinuxDelack.atoMin
            } else {
                // A missed delayed ACK: inflate the ATO.
                delack.atoNanoseconds = min(delack.atoNanoseconds * 2, rto.nanosecondsValue)
            }
        }
        sendOutputAck(now: now, config: config, out: &out)
    }

    /// An ACK from the output path: FreeBSD's `tcp_output` repeats our unacknowledged FIN on it.
    mutating func sendOutputAck(now: Instant, config: TCPConfiguration, out: inout EngineOutput) {
        if config.ackRepeatsUnacknowledgedFIN && finSent && !ourFinAcked {
            emit(seq: sndNxt - 1, flags: [.fin, .ack], now: now, out: &out)
        } else {
            sendAck(now: now, out: &out)
        }
    }
}
