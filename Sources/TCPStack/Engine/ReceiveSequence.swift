/// The receive sequence space (RFC 9293 §3.3.1 figure 4), the receiver's part of `Connection`: IRS, RCV.NXT,
/// and the window we promised: RCV.NXT when we last advertised one (Linux `rcv_wup`) and its size, plus the
/// receive buffer's capacity. Stored inline in the TCB, in 32-bit fields.
struct ReceiveSequence: Sendable {
    /// IRS: the peer's initial sequence number, from its SYN.
    var irs = SeqNum(0)
    /// RCV.NXT: the next sequence number expected from the peer.
    var nxt = SeqNum(0)
    /// RCV.NXT when we last advertised a window; with `advertised` it fixes the right edge we promised, which
    /// never moves left (RFC 9293 §3.8.6.2.2).
    var wup = SeqNum(0)
    var advertisedValue: Int32 = 0
    var capacityValue: Int32 = 0

    /// The window we last advertised, in bytes.
    var advertised: Int {
        @inline(__always) get { Int(advertisedValue) }
        @inline(__always) set { advertisedValue = Int32(clamping: newValue) }
    }

    /// The receive buffer's capacity, in bytes.
    var capacity: Int {
        @inline(__always) get { Int(capacityValue) }
        @inline(__always) set { capacityValue = Int32(clamping: newValue) }
    }

    /// RFC 9293 §3.10.7.3 fourth, §3.10.7.2 third: the peer's SYN fixes the receive sequence space.
    mutating func synchronize(irs: SeqNum) {
        self.irs = irs
        nxt = irs + 1
        wup = nxt
    }

    /// The receive window used to judge sequence numbers: what we last promised (Linux `tcp_receive_window`).
    var window: Int { max(0, (wup + advertised) - nxt) }

    /// An ACK went out advertising `bytes` at RCV.NXT.
    @inline(__always)
    mutating func advertise(_ bytes: Int) {
        wup = nxt
        advertised = bytes
    }

    /// RFC 9293 §3.10.7.4 "first": is a segment of `length` at `seq` in the receive window?
    func isAcceptable(seq: SeqNum, length: Int, check: TCPConfiguration.SequenceCheck) -> Bool {
        let window = self.window
        switch check {
        case .rfc9293:
            // RFC 9293 §3.10.7.4 first: the four cases of segment length and receive window.
            let right = nxt + window
            switch (length == 0, window == 0) {
            case (true, true): return seq == nxt
            case (true, false): return nxt <= seq && seq < right
            case (false, true): return false
            case (false, false):
                let last = seq + (length - 1)
                return (nxt <= seq && seq < right) || (nxt <= last && last < right)
            }
        case .linux:
            // Linux tcp_sequence: !before(end_seq, rcv_wup) && !after(seq, rcv_nxt + window).
            return seq + length >= wup && seq <= nxt + window
        }
    }

    /// Window field for a non-SYN segment with `free` bytes of buffer: the larger of that and what we promised,
    /// rounded up to the scale unit as Linux `__tcp_select_window` does, then shifted (RFC 7323 §2.3). With
    /// `linuxWindow` and no scaling, `bytes` is the whole window though the field stops at 65535.
    func windowField(free: Int, scale: UInt8, linuxWindow: Bool) -> (field: UInt16, bytes: Int) {
        let window = max(free, self.window)
        if scale > 0 {
            let unit = 1 << Int(scale)
            let field = min((window + unit - 1) >> Int(scale), 65535)
            return (UInt16(field), field << Int(scale))
        }
        let field = min(window, 65535)
        return (UInt16(field), linuxWindow ? window : field)
    }
}
