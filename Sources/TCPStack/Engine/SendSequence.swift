/// The send sequence space (RFC 9293 §3.3.1 figure 3), the sender's part of `Connection`: ISS, SND.UNA, SND.NXT,
/// SND.WND with the segment that set it (SND.WL1, SND.WL2), the largest window seen, and the sequence number of
/// the send ring's first byte, with the retransmission timer and the clock of the segment being timed. Stored
/// inline in the TCB, the sequence variables in 32-bit fields (a scaled window is at most 1 GiB).
struct SendSequence: Sendable {
    /// When the retransmission timer fires (RFC 6298 §5); unset: not running.
    var retransmitDeadline = OptionalInstant()
    /// When the segment being timed (`Connection.timedSegmentEnd`) left (RFC 6298 §3).
    var timedSegmentSentAt = Instant.zero
    /// ISS: our initial send sequence number (RFC 9293 §3.4.1).
    var iss = SeqNum(0)
    /// SND.UNA: the oldest sequence number sent and not yet acknowledged.
    var una = SeqNum(0)
    /// SND.NXT: the next sequence number to send.
    var nxt = SeqNum(0)
    var wl1 = SeqNum(0)
    var wl2 = SeqNum(0)
    /// The sequence number of the send ring's first byte; the bytes before SND.NXT are in flight.
    var bufferStart = SeqNum(0)
    var wndValue: Int32 = 0
    var maxWndValue: Int32 = 0

    /// SND.WND in bytes (already scaled).
    var wnd: Int {
        @inline(__always) get { Int(wndValue) }
        @inline(__always) set { wndValue = Int32(clamping: newValue) }
    }

    /// The largest SND.WND seen (Linux `max_window`).
    var maxWnd: Int {
        @inline(__always) get { Int(maxWndValue) }
        @inline(__always) set { maxWndValue = Int32(clamping: newValue) }
    }

    /// Our SYN takes ISS; data starts after it.
    mutating func start(iss: SeqNum) {
        self.iss = iss
        una = iss
        nxt = iss + 1
        bufferStart = nxt
    }

    /// RFC 9293 §3.10.7.4 fifth: a segment updates the window unless it is older than the one that last did
    /// (SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK), and only if SND.UNA =< SEG.ACK.
    @inline(__always)
    func takesWindowUpdate(seq: SeqNum, ack: SeqNum) -> Bool {
        una <= ack && (wl1 < seq || (wl1 == seq && wl2 <= ack))
    }

    /// Records the window `window` (scaled) from the segment <SEQ=seq><ACK=ack>.
    @inline(__always)
    mutating func updateWindow(_ window: Int, seq: SeqNum, ack: SeqNum) {
        wnd = window
        maxWnd = max(maxWnd, wnd)
        wl1 = seq
        wl2 = ack
    }

    /// What the peer's window still allows past SND.NXT (SND.UNA + SND.WND - SND.NXT; negative after it shrank).
    var usableWindow: Int { (una + wnd) - nxt }
}
