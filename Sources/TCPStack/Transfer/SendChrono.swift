/// Linux's send-side chronographs (include/net/tcp.h `enum tcp_chrono`, net/ipv4/tcp_output.c `tcp_chrono_start`,
/// `tcp_chrono_stop`, `tcp_chrono_set`): how long the sender was busy with data, and how much of that it was held
/// back by the peer's receive window or by a full send buffer. One condition runs at a time, the higher one
/// winning; periods are counted in milliseconds (jiffies at HZ=1000, 32 bits, as Linux keeps them). TCP_INFO
/// reports them in microseconds (`tcp_get_info_chrono_stats`). The engine keeps them in Connection+Chrono.swift.
public enum SendChrono: UInt8, Sendable, Hashable, Comparable {
    /// Nothing to send (TCP_CHRONO_UNSPEC).
    case idle = 0
    /// Data queued or in flight (TCP_CHRONO_BUSY).
    case busy
    /// Data waits for the peer's receive window (TCP_CHRONO_RWND_LIMITED).
    case receiveWindowLimited
    /// Everything queued is out and the application waits for send-buffer space (TCP_CHRONO_SNDBUF_LIMITED).
    case sendBufferLimited

    /// Linux lets the higher chronograph win (`tcp_chrono_start` keeps the larger `chrono_type`).
    public static func < (a: SendChrono, b: SendChrono) -> Bool { a.rawValue < b.rawValue }

    /// The chronograph clock at `now`: milliseconds, wrapping like Linux's `tcp_jiffies32`.
    static func ticks(_ now: Instant) -> UInt32 { UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) }
}

/// The chronograph totals a connection rarely has: time limited by the receive window or the send buffer, and
/// whether the application waits for send-buffer space (Linux `SOCK_NOSPACE`). Kept in `RareState`.
struct SendLimits: Sendable, Hashable {
    var receiveWindowMilliseconds: UInt32 = 0
    var sendBufferMilliseconds: UInt32 = 0
    var waitingForSpace = false
}
