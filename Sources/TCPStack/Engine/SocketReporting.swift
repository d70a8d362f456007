/// SO_TIMESTAMPING flags (Linux `include/uapi/linux/net_tstamp.h`, `SOF_TIMESTAMPING_*`).
public struct TimestampingFlags: OptionSet, Hashable, Sendable {
    /// The `SOF_TIMESTAMPING_*` bits as Linux numbers them.
    public var rawValue: UInt32
    /// Flags from their Linux bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// SOF_TIMESTAMPING_TX_HARDWARE: a timestamp from the NIC when a packet leaves (never produced here).
    public static let txHardware = TimestampingFlags(rawValue: 1 << 0)
    /// SOF_TIMESTAMPING_TX_SOFTWARE: a timestamp when the last byte of a write is handed to the device.
    public static let txSoftware = TimestampingFlags(rawValue: 1 << 1)
    /// SOF_TIMESTAMPING_RX_HARDWARE: receive timestamps from the NIC (never produced here).
    public static let rxHardware = TimestampingFlags(rawValue: 1 << 2)
    /// SOF_TIMESTAMPING_RX_SOFTWARE: receive timestamps from the stack.
    public static let rxSoftware = TimestampingFlags(rawValue: 1 << 3)
    /// SOF_TIMESTAMPING_SOFTWARE: report software timestamps.
    public static let software = TimestampingFlags(rawValue: 1 << 4)
    /// SOF_TIMESTAMPING_SYS_HARDWARE: obsolete in Linux, accepted and ignored.
    public static let sysHardware = TimestampingFlags(rawValue: 1 << 5)
    /// SOF_TIMESTAMPING_RAW_HARDWARE: report raw hardware timestamps.
    public static let rawHardware = TimestampingFlags(rawValue: 1 << 6)
    /// SOF_TIMESTAMPING_OPT_ID: each timestamp carries the byte count it belongs to in `ee_data`.
    public static let optID = TimestampingFlags(rawValue: 1 << 7)
    /// SOF_TIMESTAMPING_TX_SCHED: a timestamp when the last byte of a write enters the queueing layer.
    public static let txSched = TimestampingFlags(rawValue: 1 << 8)
    /// SOF_TIMESTAMPING_TX_ACK: a timestamp when the last byte of a write is cumulatively acknowledged.
    public static let txAck = TimestampingFlags(rawValue: 1 << 9)
    /// SOF_TIMESTAMPING_OPT_CMSG: IP_PKTINFO-style control messages with every timestamp.
    public static let optCmsg = TimestampingFlags(rawValue: 1 << 10)
    /// SOF_TIMESTAMPING_OPT_TSONLY: the error queue holds timestamps without the packet.
    public static let optTSOnly = TimestampingFlags(rawValue: 1 << 11)
    /// SOF_TIMESTAMPING_OPT_STATS: TCP statistics with each timestamp (not modelled).
    public static let optStats = TimestampingFlags(rawValue: 1 << 12)
    /// SOF_TIMESTAMPING_OPT_PKTINFO: the receiving interface with receive timestamps.
    public static let optPktinfo = TimestampingFlags(rawValue: 1 << 13)
    /// SOF_TIMESTAMPING_OPT_TX_SWHW: software and hardware transmit timestamps both.
    public static let optTxSWHW = TimestampingFlags(rawValue: 1 << 14)
    /// SOF_TIMESTAMPING_BIND_PHC: bind to a PTP hardware clock (not modelled).
    public static let bindPHC = TimestampingFlags(rawValue: 1 << 15)
    /// SOF_TIMESTAMPING_OPT_ID_TCP: OPT_ID counts from the bytes written, not the bytes queued.
    public static let optIDTCP = TimestampingFlags(rawValue: 1 << 16)
    /// SOF_TIMESTAMPING_OPT_RX_FILTER: receive timestamps only for packets that asked.
    public static let optRxFilter = TimestampingFlags(rawValue: 1 << 17)
    /// SOF_TIMESTAMPING_TX_COMPLETION: a timestamp when the device completes a transmission.
    public static let txCompletion = TimestampingFlags(rawValue: 1 << 18)

    /// `SOF_TIMESTAMPING_MASK`: every flag Linux 6.18 knows.
    public static let known = TimestampingFlags(rawValue: (1 << 19) - 1)
    /// `SOF_TIMESTAMPING_TX_RECORD_MASK`: the flags that make a write record a timestamp key.
    static let txRecord: TimestampingFlags = [.txHardware, .txSoftware, .txSched, .txAck]
}

/// When a transmit timestamp was taken (`SCM_TSTAMP_*`, the `ee_info` of its error-queue message).
public enum TimestampMoment: UInt32, Hashable, Sendable {
    /// `SCM_TSTAMP_SND`: the segment left the stack (the driver's software timestamp).
    case sent = 0
    /// `SCM_TSTAMP_SCHED`: the segment entered the packet scheduler.
    case scheduled = 1
    /// `SCM_TSTAMP_ACK`: the peer acknowledged the byte.
    case acknowledged = 2
}

/// One message of a socket's error queue (Linux `sk_error_queue`), read with recvmsg(MSG_ERRQUEUE).
public enum ErrorQueueMessage: Hashable, Sendable {
    /// A transmit timestamp (`SO_EE_ORIGIN_TIMESTAMPING`, Linux `__skb_tstamp_tx`). `key` is the `ee_data`: with
    /// SOF_TIMESTAMPING_OPT_ID the byte's offset from the key base, else 0. `payloadBytes` is what the message
    /// carries beside its cmsgs: the timestamped segment's payload, none with SOF_TIMESTAMPING_OPT_TSONLY.
    case timestamp(TimestampMoment, key: UInt32, at: Instant, payloadBytes: Int)
    /// A MSG_ZEROCOPY completion (`SO_EE_ORIGIN_ZEROCOPY`, Linux `__msg_zerocopy_callback`): sends `first...last`
    /// (`ee_info`...`ee_data`) no longer use the caller's pages.
    case zerocopy(first: UInt32, last: UInt32)
}

/// A write whose last byte is to be timestamped (Linux `tcp_tx_timestamp` sets `tskey` on the tail skb).
struct TimestampMark: Hashable {
    var lastByte: SeqNum
    var flags: TimestampingFlags
    /// The payload of the segment that last carried the byte (what its ACK timestamp's message carries).
    var segmentLength = 0
}

/// What a socket reports to its user beside the byte stream (all Linux): the TCP_INQ hint, SO_TIMESTAMPING's
/// transmit timestamps and MSG_ZEROCOPY completions, the last two through the socket's error queue.
struct SocketReporting: Hashable {
    /// TCP_INQ (`tp->recvmsg_inq`).
    var receiveQueueHint = false
    /// SO_ZEROCOPY (`SOCK_ZEROCOPY`).
    var zerocopy = false
    /// SO_TIMESTAMPING (`sk_tsflags`).
    var timestamping = TimestampingFlags()
    /// `sk_tskey`: what an OPT_ID key counts from.
    var timestampKeyBase = SeqNum(0)
    /// Writes awaiting their send or ACK timestamps, oldest first.
    var marks: [TimestampMark] = []
    /// `sk_zckey`: the next MSG_ZEROCOPY send's id.
    var nextZerocopyID: UInt32 = 0
    /// MSG_ZEROCOPY sends not yet acknowledged: the end of their bytes and their id.
    var zerocopyPending: [ZerocopySend] = []
    var errorQueue: [ErrorQueueMessage] = []

    struct ZerocopySend: Hashable {
        var end: SeqNum
        var id: UInt32
    }

    /// Linux drops a message when the queue's memory would pass the receive buffer (`sock_queue_err_skb`); this
    /// count stands in for that limit.
    static let errorQueueLimit = 4096

    var isDefault: Bool { self == SocketReporting() }

    /// What an accepted connection takes from its listener (Linux `sk_clone_lock` copies the socket; a listener
    /// cannot have OPT_ID, so there is no key base to copy).
    var inherited: SocketReporting {
        var child = SocketReporting()
        child.receiveQueueHint = receiveQueueHint
        child.zerocopy = zerocopy
        child.timestamping = timestamping
        return child
    }

    mutating func enqueue(_ message: ErrorQueueMessage) {
        if case .zerocopy(let first, let last) = message, case .zerocopy(let f, let l)? = errorQueue.last, l &+ 1 == first {
            // Linux skb_zerocopy_notify_extend: a completion that follows the queued one widens its range.
            errorQueue[errorQueue.count - 1] = .zerocopy(first: f, last: last)
            return
        }
        guard errorQueue.count < Self.errorQueueLimit else { return }
        errorQueue.append(message)
    }

    /// The key a timestamp of `byte` reports (Linux `__skb_complete_tx_timestamp`).
    func key(of byte: SeqNum) -> UInt32 {
        timestamping.contains(.optID) ? byte.rawValue &- timestampKeyBase.rawValue : 0
    }

    /// A segment `[seq, seq+length)` went out: SCHED then SND timestamps for each mark it carries
    /// (`__dev_queue_xmit` and the driver's `skb_tx_timestamp`; a retransmission carries them again).
    mutating func segmentSent(seq: SeqNum, length: Int, now: Instant) {
        for (i, mark) in marks.enumerated() where mark.lastByte >= seq && mark.lastByte < seq + length {
            marks[i].segmentLength = length
            let bytes = timestamping.contains(.optTSOnly) ? 0 : length
            if mark.flags.contains(.txSched) {
                enqueue(.timestamp(.scheduled, key: key(of: mark.lastByte), at: now, payloadBytes: bytes))
            }
            if mark.flags.contains(.txSoftware) {
                enqueue(.timestamp(.sent, key: key(of: mark.lastByte), at: now, payloadBytes: bytes))
            }
        }
    }

    /// The cumulative ACK moved from `prior` to `ack` (Linux `tcp_ack_tstamp` for keys in [prior, ack), and the
    /// zerocopy completions of the freed bytes).
    mutating func acknowledged(from prior: SeqNum, to ack: SeqNum, now: Instant) {
        while let mark = marks.first, mark.lastByte < ack {
            marks.removeFirst()
            if mark.flags.contains(.txAck) && mark.lastByte >= prior {
                let bytes = timestamping.contains(.optTSOnly) ? 0 : mark.segmentLength
                enqueue(.timestamp(.acknowledged, key: key(of: mark.lastByte), at: now, payloadBytes: bytes))
            }
        }
        while let send = zerocopyPending.first, send.end <= ack {
            zerocopyPending.removeFirst()
            enqueue(.zerocopy(first: send.id, last: send.id))
        }
    }
}
