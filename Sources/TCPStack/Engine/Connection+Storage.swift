/// Cold fields of `Connection` stored narrow (see the layout note in Connection.swift), under the names and
/// types the engine uses.
extension Connection {
    /// TCP_MAXSEG, when set (88...32767, so 16 bits hold it).
    var userMSS: Int? {
        get { userMSSValue == 0 ? nil : Int(userMSSValue) }
        set { userMSSValue = UInt16(clamping: newValue ?? 0) }
    }

    /// SO_RCVBUF as stored (doubled), when set: at most 2 x `rmem_max`, held in 32 bits (clamped at 4 GiB).
    var receiveBufferSize: Int? {
        get { receiveBufferValue == 0 ? nil : Int(receiveBufferValue) }
        set { receiveBufferValue = UInt32(clamping: newValue ?? 0) }
    }

    /// SO_SNDBUF as stored (doubled), when set.
    var sendBufferSize: Int? {
        get { sendBufferValue == 0 ? nil : Int(sendBufferValue) }
        set { sendBufferValue = UInt32(clamping: newValue ?? 0) }
    }

    /// The listener that created this connection until accept() takes it.
    var parent: SocketID? {
        get { parentIndex < 0 ? nil : SocketID(Int(parentIndex)) }
        set { parentIndex = newValue.map { Int32($0.rawValue) } ?? -1 }
    }

    /// When the retransmission timer fires; nil: not running.
    var retransmitDeadline: Instant? {
        @inline(__always) get { snd.retransmitDeadline.value }
        @inline(__always) set { snd.retransmitDeadline.value = newValue }
    }

    /// When TIME-WAIT ends.
    var timeWaitDeadline: Instant? {
        get { timeWaitDeadlineValue.value }
        set { timeWaitDeadlineValue.value = newValue }
    }

    /// When the segment being timed (`timedSegmentEnd`) left (RFC 6298 §3).
    var timedSegmentSentAt: Instant {
        @inline(__always) get { snd.timedSegmentSentAt }
        @inline(__always) set { snd.timedSegmentSentAt = newValue }
    }
    /// TS.Recent (RFC 7323 §4.3).
    var tsRecent: UInt32 { ts.recent }

    // The sequence variables under their RFC 9293 names; the parts own them (SendSequence, ReceiveSequence).
    /// ISS: our initial send sequence number (RFC 9293 §3.4.1).
    public internal(set) var iss: SeqNum {
        @inline(__always) get { snd.iss }
        @inline(__always) set { snd.iss = newValue }
    }
    /// SND.UNA: the oldest sequence number sent and not yet acknowledged.
    public internal(set) var sndUna: SeqNum {
        @inline(__always) get { snd.una }
        @inline(__always) set { snd.una = newValue }
    }
    /// SND.NXT: the next sequence number to send.
    public internal(set) var sndNxt: SeqNum {
        @inline(__always) get { snd.nxt }
        @inline(__always) set { snd.nxt = newValue }
    }
    var sndWl1: SeqNum {
        @inline(__always) get { snd.wl1 }
        @inline(__always) set { snd.wl1 = newValue }
    }
    var sndWl2: SeqNum {
        @inline(__always) get { snd.wl2 }
        @inline(__always) set { snd.wl2 = newValue }
    }
    /// The sequence number of `sendBuffer[0]`.
    var sendBufferStart: SeqNum {
        @inline(__always) get { snd.bufferStart }
        @inline(__always) set { snd.bufferStart = newValue }
    }
    /// SND.WND in bytes (already scaled).
    public internal(set) var sndWnd: Int {
        @inline(__always) get { snd.wnd }
        @inline(__always) set { snd.wnd = newValue }
    }
    var maxSndWnd: Int {
        @inline(__always) get { snd.maxWnd }
        @inline(__always) set { snd.maxWnd = newValue }
    }
    /// IRS: the peer's initial sequence number, from its SYN.
    public internal(set) var irs: SeqNum {
        @inline(__always) get { rcv.irs }
        @inline(__always) set { rcv.irs = newValue }
    }
    /// RCV.NXT: the next sequence number expected from the peer.
    public internal(set) var rcvNxt: SeqNum {
        @inline(__always) get { rcv.nxt }
        @inline(__always) set { rcv.nxt = newValue }
    }
    var rcvWup: SeqNum {
        @inline(__always) get { rcv.wup }
        @inline(__always) set { rcv.wup = newValue }
    }
    var rcvWndAdvertised: Int {
        @inline(__always) get { rcv.advertised }
        @inline(__always) set { rcv.advertised = newValue }
    }
    var receiveCapacity: Int {
        @inline(__always) get { rcv.capacity }
        @inline(__always) set { rcv.capacity = newValue }
    }

    // Negotiated in the handshake (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
    /// Largest payload we put in one segment (peer MSS, less the timestamp option when in use).
    public internal(set) var sendMSS: Int {
        get { Int(sendMSSValue) }
        set { sendMSSValue = Int32(clamping: newValue) }
    }
    var ourMSS: Int {
        get { Int(ourMSSValue) }
        set { ourMSSValue = Int32(clamping: newValue) }
    }

    /// The end of the last segment sent shorter than the MSS (Linux `snd_sml`), for Minshall's Nagle.
    var smallSegmentEnd: SeqNum? {
        get { hasSmallSegmentEnd ? smallSegmentEndValue : nil }
        set {
            hasSmallSegmentEnd = newValue != nil
            smallSegmentEndValue = newValue ?? SeqNum(0)
        }
    }

    /// The segment whose RTT is being measured (RFC 6298 §3); it left at `timedSegmentSentAt`.
    var timedSegmentEnd: SeqNum? {
        get { hasTimedSegmentEnd ? timedSegmentEndValue : nil }
        set {
            hasTimedSegmentEnd = newValue != nil
            timedSegmentEndValue = newValue ?? SeqNum(0)
        }
    }

    /// After a retransmission timeout: the next byte of the flight to send again (nil: not resending).
    var resendNext: SeqNum? {
        get { hasResendNext ? resendNextValue : nil }
        set {
            hasResendNext = newValue != nil
            resendNextValue = newValue ?? SeqNum(0)
        }
    }

    /// Retransmissions of the current segment (counted up to 255, far above any retry limit).
    var retransmitCount: Int {
        get { Int(retransmitCountValue) }
        set { retransmitCountValue = UInt8(clamping: newValue) }
    }

    /// listen()'s backlog.
    var backlog: Int {
        get { Int(backlogValue) }
        set { backlogValue = Int32(clamping: newValue) }
    }

    /// Connections of this listener still in SYN-RECEIVED.
    var pendingChildren: Int {
        get { Int(pendingChildrenValue) }
        set { pendingChildrenValue = Int32(clamping: newValue) }
    }
}

// Defaults built from constants: turning a `Duration` of a minute or more into nanoseconds takes a 128-bit
// division, a `static let` a lazy-initialisation check, and `socket()` resets a whole `Connection`.
extension RTOEstimator {
    /// `RTOEstimator(parameters: .rfc6298)`, built from constants: socket() makes one per connection.
    static var rfc6298Default: RTOEstimator {
        RTOEstimator(initialUs: 1_000_000, minimumUs: 1_000_000, maximumUs: 60_000_000, granularityUs: 1_000,
                     floorsVarianceTerm: false)
    }
}

extension PersistTimer {
    /// Built from nanoseconds (no division, no lazy global), as the connect and close paths compare against it.
    static var engineDefault: PersistTimer { PersistTimer(maximumNanoseconds: 120_000_000_000) }
}
