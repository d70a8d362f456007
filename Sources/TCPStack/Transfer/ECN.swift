import TCPWire

/// Whether a host negotiates Explicit Congestion Notification (RFC 3168 §6.1.1; Linux `net.ipv4.tcp_ecn`).
public enum ECNPolicy: Int, Sendable, Hashable {
    /// Never (tcp_ecn = 0).
    case off = 0
    /// Ask for it in our SYNs and accept it in the peer's (tcp_ecn = 1).
    case request = 1
    /// Accept it when the peer's SYN asks, never ask (tcp_ecn = 2, Linux's default).
    case acceptOnly = 2
}

/// A connection's ECN state, as Linux keeps it in `tp->ecn_flags` (include/net/tcp.h TCP_ECN_*).
struct ECNFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    /// Negotiated: data goes out ECT(0) and ECE/CWR mean what RFC 3168 §6.1 says (TCP_ECN_OK).
    static let ok = ECNFlags(rawValue: 1)
    /// The peer echoed congestion and we reduced cwnd: the next new data segment carries CWR (TCP_ECN_QUEUE_CWR).
    static let queueCWR = ECNFlags(rawValue: 2)
    /// Data arrived marked CE: every segment carries ECE until the peer's CWR (TCP_ECN_DEMAND_CWR).
    static let demandCWR = ECNFlags(rawValue: 4)
    /// A CE mark was seen on this connection (TCP_ECN_SEEN).
    static let seen = ECNFlags(rawValue: 8)
    /// A queued CWR goes on the next segment of any kind (FreeBSD `tcp_ecn_output_established`), not only on
    /// new data (Linux `tcp_ecn_send`); from `TCPConfiguration.ecnCWROnAnySegment`.
    static let cwrOnAnySegment = ECNFlags(rawValue: 16)
}

extension TCPConfiguration {
    /// A connection's flags once ECN is agreed.
    var ecnAgreedFlags: ECNFlags { ecnCWROnAnySegment ? [.ok, .cwrOnAnySegment] : .ok }
}

extension Connection {
    var ecn: ECNFlags {
        get { ECNFlags(rawValue: ecnFlagsValue) }
        set { ecnFlagsValue = newValue.rawValue }
    }

    /// The flags and IP codepoint of a segment of an ECN connection (Linux `tcp_ecn_send`): ECE while the peer's CWR
    /// is awaited; new data goes out ECT(0), the first after a reduction with CWR; retransmissions and pure ACKs
    /// stay Not-ECT (RFC 3168 §6.1.5, §6.1.4).
    mutating func ecnMarking(seq: SeqNum, flags: inout TCPFlags, hasPayload: Bool) -> ECNCodepoint {
        guard ecn.contains(.ok), !flags.contains(.syn) else { return .notECT }
        if ecn.contains(.demandCWR) { flags.insert(.ece) }
        if ecn.contains(.queueCWR) && ecn.contains(.cwrOnAnySegment) {
            flags.insert(.cwr)
            ecn.remove(.queueCWR)
        }
        guard hasPayload, seq >= sndNxt else { return .notECT }
        if ecn.contains(.queueCWR) {
            flags.insert(.cwr)
            ecn.remove(.queueCWR)
        }
        return .ect0
    }

    /// What the peer's SYN or SYN-ACK says of our ECN request (RFC 3168 §6.1.1; Linux `tcp_ecn_rcv_synack`: a
    /// SYN-ACK must carry ECE without CWR; `tcp_ecn_rcv_syn`: a crossing SYN must carry both).
    mutating func ecnHandshakeArrives(_ seg: TCPSegment) {
        guard ecn.contains(.ok) else { return }
        let ece = seg.flags.contains(.ece), cwr = seg.flags.contains(.cwr)
        let agreed = seg.flags.contains(.ack) ? ece && !cwr : ece && cwr
        if !agreed { ecn = [] }
    }

    /// The IP and TCP ECN signals of an arriving segment of an ECN connection (RFC 3168 §6.1.3; Linux
    /// `tcp_ecn_accept_cwr`, then `__tcp_ecn_check_ce` for data).
    mutating func ecnSegmentArrives(_ packet: IPPacket) {
        guard ecn.contains(.ok), !packet.tcp.flags.contains(.syn) else { return }
        if packet.tcp.flags.contains(.cwr) { ecn.remove(.demandCWR) }
        if packet.ecn == .ce && !packet.tcp.payload.isEmpty { ecn.formUnion([.demandCWR, .seen]) }
    }

    /// Loss recovery reduced cwnd: the peer learns of it by CWR as after an echo (RFC 3168 §6.1.2; Linux
    /// `tcp_init_cwnd_reduction` -> `tcp_ecn_queue_cwr`; FreeBSD `cc_cong_signal` CC_NDUPACK: TF2_ECN_SND_CWR).
    @inline(__always) mutating func ecnLossReducedWindow() {
        if ecnFlagsValue != 0 && ecn.contains(.ok) { ecn.insert(.queueCWR) }
    }

    /// An ACK carried ECE (RFC 3168 §6.1.2; Linux `tcp_enter_cwr`): once per window of data, ssthresh and cwnd
    /// fall as for a loss, without retransmitting, and the next new data carries CWR.
    mutating func ecnEchoArrives(_ seg: TCPSegment, now: Instant) {
        guard ecn.contains(.ok), seg.flags.contains(.ece), !seg.flags.contains(.syn) else { return }
        if let end = rareState?.cwrEnd, SeqNum(end) > sndUna { return }  // already reduced for this window
        guard !cc.inFastRecovery, resendNext == nil else { return }  // loss recovery has reduced already
        let ssthresh = cc.ssthreshAfterLoss(flightSize: flightSize, now: now)
        cc.window.ssthresh = ssthresh
        cc.window.cwnd = max(ssthresh, sendMSS)
        cwrEnd = sndNxt.rawValue
        ecn.insert(.queueCWR)
    }
}
