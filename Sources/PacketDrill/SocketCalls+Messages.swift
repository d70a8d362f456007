import TCPStack

/// recvmsg with its control messages (TCP_CM_INQ, and the error queue's SCM_TIMESTAMPING and sock_extended_err),
/// and sends with MSG_ZEROCOPY, for the runner and the plugin alike. Values and numbers are Linux's (uapi socket.h,
/// in.h, in6.h, tcp.h, errqueue.h).
extension SocketCalls {
    /// The recvmsg flags the layer models, with their Linux bits.
    public struct ReceiveFlags: OptionSet, Hashable, Sendable {
        /// The flag bits.
        public var rawValue: Int32
        /// Flags from their bits.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// MSG_PEEK: copy without consuming.
        public static let peek = ReceiveFlags(rawValue: 0x02)
        /// MSG_TRUNC (accepted; a stream has no datagram to truncate).
        public static let truncate = ReceiveFlags(rawValue: 0x20)
        /// MSG_DONTWAIT: fail rather than wait (the caller's to honour).
        public static let dontWait = ReceiveFlags(rawValue: 0x40)
        /// MSG_ERRQUEUE: read the error queue.
        public static let errorQueue = ReceiveFlags(rawValue: 0x2000)
        /// All the flags above.
        public static let modelled: ReceiveFlags = [.peek, .truncate, .dontWait, .errorQueue]
    }

    /// recvmsg's `msg_flags`, with their Linux bits.
    public struct MessageFlags: OptionSet, Hashable, Sendable {
        /// The flag bits.
        public var rawValue: Int32
        /// Flags from their bits.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// MSG_CTRUNC: control messages did not fit (the caller's to set, it knows the buffer).
        public static let controlTruncated = MessageFlags(rawValue: 0x08)
        /// MSG_TRUNC: the message was longer than the buffer.
        public static let truncated = MessageFlags(rawValue: 0x20)
        /// MSG_ERRQUEUE: the message came from the error queue.
        public static let errorQueue = MessageFlags(rawValue: 0x2000)
    }

    /// `struct sock_extended_err`.
    public struct ExtendedError: Hashable, Sendable {
        /// ee_errno (ENOMSG for a timestamp, 0 for a zerocopy completion).
        public var errno: UInt32
        /// ee_origin (SO_EE_ORIGIN_TIMESTAMPING 4, SO_EE_ORIGIN_ZEROCOPY 5).
        public var origin: UInt8
        /// ee_type.
        public var type: UInt8
        /// ee_code.
        public var code: UInt8
        /// ee_info (the SCM_TSTAMP_* moment, or the first zerocopy id).
        public var info: UInt32
        /// ee_data (the timestamp key, or the last zerocopy id).
        public var data: UInt32
    }

    /// One control message.
    public struct ControlMessage: Hashable, Sendable {
        /// cmsg_level.
        public var level: Int32
        /// cmsg_type.
        public var type: Int32
        /// cmsg_data.
        public var data: ControlData
    }

    /// What a control message carries.
    public enum ControlData: Hashable, Sendable {
        /// An int (TCP_CM_INQ: the bytes left to read).
        case integer(Int32)
        /// `scm_timestamping.ts[0]`: the software timestamp, on the stack's clock.
        case timestamp(Instant)
        /// A `sock_extended_err` (IP_RECVERR / IPV6_RECVERR), with no offender address.
        case extendedError(ExtendedError)
    }

    /// What recvmsg returned.
    public struct ReceivedMessage: Hashable, Sendable {
        /// The bytes read (for an error queue message, its payload's length in zeros: the engine keeps no copy).
        public var bytes: [UInt8]
        /// msg_flags.
        public var flags: MessageFlags
        /// The control messages, in the order Linux puts them.
        public var control: [ControlMessage]
    }

    /// cmsg levels and types (uapi in.h, in6.h, tcp.h, asm-generic/socket.h).
    public enum ControlType {
        /// SOL_IP / IPPROTO_IP.
        public static let ipLevel: Int32 = 0
        /// SOL_SOCKET.
        public static let socketLevel: Int32 = 1
        /// SOL_TCP / IPPROTO_TCP.
        public static let tcpLevel: Int32 = 6
        /// SOL_IPV6 / IPPROTO_IPV6.
        public static let ipv6Level: Int32 = 41
        /// TCP_CM_INQ.
        public static let receiveQueueHint: Int32 = 36
        /// SCM_TIMESTAMPING (SO_TIMESTAMPING_OLD).
        public static let timestamping: Int32 = 37
        /// IP_RECVERR.
        public static let ipRecvError: Int32 = 11
        /// IPV6_RECVERR.
        public static let ipv6RecvError: Int32 = 25
    }

    /// recvmsg(2) into a buffer of `capacity` bytes. With MSG_ERRQUEUE, the oldest error queue message (EAGAIN at
    /// once when the queue is empty, blocking or not: Linux `ip_recv_error`); else a read, as ``receive(_:maxBytes:peek:now:)``,
    /// with TCP_CM_INQ when TCP_INQ is on (Linux `tcp_recvmsg`). Flags outside ``ReceiveFlags/modelled`` are
    /// EOPNOTSUPP.
    public mutating func receiveMessage(_ fd: Int, capacity: Int, flags: ReceiveFlags, now: Instant) throws(SocketCallError)
        -> ReceivedMessage
    {
        let socket = try descriptor(fd).socket
        guard flags.isSubset(of: .modelled) else { throw .failed(.EOPNOTSUPP) }
        if flags.contains(.errorQueue) {
            let message: ErrorQueueMessage?
            do throws(SocketError) { message = try stack.readErrorQueue(socket) } catch { throw .failed(LinuxErrno(error)) }
            guard let message else { throw .failed(.EAGAIN) }
            let (payload, control) = errorQueueControl(message, socket: socket)
            var messageFlags: MessageFlags = .errorQueue
            if payload > capacity { messageFlags.insert(.truncated) }
            return ReceivedMessage(bytes: [UInt8](repeating: 0, count: min(payload, capacity)), flags: messageFlags,
                control: control)
        }
        let bytes = try receive(fd, maxBytes: capacity, peek: flags.contains(.peek), now: now)
        var control: [ControlMessage] = []
        if stack.receiveQueueHintEnabled(of: socket) == true {
            control.append(ControlMessage(level: ControlType.tcpLevel, type: ControlType.receiveQueueHint,
                data: .integer(Int32(truncatingIfNeeded: stack.receiveQueueHint(of: socket) ?? 0))))
        }
        return ReceivedMessage(bytes: bytes, flags: [], control: control)
    }

    /// The bytes a queued message carries and its control messages (Linux `ip_recv_error` / `ipv6_recv_error`:
    /// `sock_recv_timestamp`'s SCM_TIMESTAMPING first, then the `sock_extended_err`).
    func errorQueueControl(_ message: ErrorQueueMessage, socket: SocketID) -> (Int, [ControlMessage]) {
        let ipv6 = stack.localEndpoint(of: socket)?.address.isIPv6 ?? stack.addresses.first?.isIPv6 ?? false
        let level = ipv6 ? ControlType.ipv6Level : ControlType.ipLevel
        let type = ipv6 ? ControlType.ipv6RecvError : ControlType.ipRecvError
        switch message {
        case .timestamp(let moment, let key, let at, let payload):
            var out: [ControlMessage] = []
            // The software timestamp is reported only with SOF_TIMESTAMPING_SOFTWARE (`__sock_recv_timestamp`).
            if stack.timestamping(of: socket)?.contains(.software) == true {
                out.append(ControlMessage(level: ControlType.socketLevel, type: ControlType.timestamping, data: .timestamp(at)))
            }
            // ENOMSG, SO_EE_ORIGIN_TIMESTAMPING.
            out.append(ControlMessage(level: level, type: type, data: .extendedError(ExtendedError(
                errno: 42, origin: 4, type: 0, code: 0, info: UInt32(moment.rawValue), data: key))))
            return (payload, out)
        case .zerocopy(let first, let last):
            // SO_EE_ORIGIN_ZEROCOPY.
            return (0, [ControlMessage(level: level, type: type, data: .extendedError(ExtendedError(
                errno: 0, origin: 5, type: 0, code: 0, info: first, data: last)))])
        }
    }

    /// send(2) with MSG_ZEROCOPY: with SO_ZEROCOPY on, the send gets the next completion id (Linux
    /// `tcp_sendmsg_locked`); without it the flag is ignored.
    public mutating func sendZerocopy(_ fd: Int, _ bytes: [UInt8], now: Instant) throws(SocketCallError) -> Int {
        let d = try descriptor(fd)
        do throws(SocketError) { return try stack.sendZerocopy(d.socket, bytes, now: now) } catch { throw SocketCallError(error) }
    }
}
