import TCPStack

/// The socket options ``SocketCalls`` sets and reads, by their Linux names and numbers.
public enum SocketOptionName: Hashable, Sendable, CaseIterable {
    /// SO_ERROR (read only).
    case error
    /// SO_REUSEADDR.
    case reuseAddress
    /// SO_LINGER (set only).
    case linger
    /// SO_RCVBUF.
    case receiveBufferSize
    /// SO_SNDBUF.
    case sendBufferSize
    /// SO_KEEPALIVE.
    case keepalive
    /// TCP_NODELAY (set only).
    case noDelay
    /// TCP_MAXSEG.
    case maximumSegmentSize
    /// TCP_KEEPIDLE.
    case keepaliveIdle
    /// TCP_KEEPINTVL.
    case keepaliveInterval
    /// TCP_KEEPCNT.
    case keepaliveCount
    /// TCP_USER_TIMEOUT.
    case userTimeout
    /// TCP_CONGESTION.
    case congestionControl
    /// TCP_CORK.
    case cork
    /// TCP_NOTSENT_LOWAT.
    case notSentLowWater
    /// TCP_INQ.
    case receiveQueueHint
    /// SO_ZEROCOPY.
    case zerocopy
    /// SO_TIMESTAMPING.
    case timestamping
    /// IP_FREEBIND.
    case freeBind
    /// TCP_FASTOPEN_CONNECT.
    case fastOpenConnect
    /// IP_BIND_ADDRESS_NO_PORT.
    case bindAddressNoPort
    /// IP_LOCAL_PORT_RANGE.
    case localPortRange
    /// FreeBSD's TCP_KEEPINIT (netinet/tcp.h: 128), seconds; Linux has no such option.
    case keepaliveInit
    /// IP_TTL.
    case timeToLive
    /// IP_TOS.
    case typeOfService
    /// IPV6_UNICAST_HOPS.
    case unicastHops
    /// IPV6_TCLASS.
    case trafficClass

    /// SOL_IPV6 / IPPROTO_IPV6.
    public static let ipv6Level: Int32 = 41

    /// SOL_IP.
    public static let ipLevel: Int32 = 0
    /// SOL_SOCKET.
    public static let socketLevel: Int32 = 1
    /// IPPROTO_TCP.
    public static let tcpLevel: Int32 = 6

    /// The option's name (`SO_REUSEADDR`).
    public var linuxName: String {
        switch self {
        case .error: "SO_ERROR"
        case .reuseAddress: "SO_REUSEADDR"
        case .linger: "SO_LINGER"
        case .receiveBufferSize: "SO_RCVBUF"
        case .sendBufferSize: "SO_SNDBUF"
        case .keepalive: "SO_KEEPALIVE"
        case .noDelay: "TCP_NODELAY"
        case .maximumSegmentSize: "TCP_MAXSEG"
        case .keepaliveIdle: "TCP_KEEPIDLE"
        case .keepaliveInterval: "TCP_KEEPINTVL"
        case .keepaliveCount: "TCP_KEEPCNT"
        case .userTimeout: "TCP_USER_TIMEOUT"
        case .congestionControl: "TCP_CONGESTION"
        case .cork: "TCP_CORK"
        case .notSentLowWater: "TCP_NOTSENT_LOWAT"
        case .receiveQueueHint: "TCP_INQ"
        case .zerocopy: "SO_ZEROCOPY"
        case .timestamping: "SO_TIMESTAMPING"
        case .freeBind: "IP_FREEBIND"
        case .fastOpenConnect: "TCP_FASTOPEN_CONNECT"
        case .bindAddressNoPort: "IP_BIND_ADDRESS_NO_PORT"
        case .localPortRange: "IP_LOCAL_PORT_RANGE"
        case .keepaliveInit: "TCP_KEEPINIT"
        case .timeToLive: "IP_TTL"
        case .typeOfService: "IP_TOS"
        case .unicastHops: "IPV6_UNICAST_HOPS"
        case .trafficClass: "IPV6_TCLASS"
        }
    }

    /// Its level and number (uapi asm-generic/socket.h, linux/in.h, linux/tcp.h).
    public var level: Int32 {
        linuxName.hasPrefix("SO_") ? Self.socketLevel : linuxName.hasPrefix("IP_") ? Self.ipLevel
            : linuxName.hasPrefix("IPV6_") ? Self.ipv6Level : Self.tcpLevel
    }

    /// The option number at ``level``.
    public var number: Int32 {
        switch self {
        case .error: 4
        case .reuseAddress: 2
        case .linger: 13
        case .receiveBufferSize: 8
        case .sendBufferSize: 7
        case .keepalive: 9
        case .noDelay: 1
        case .maximumSegmentSize: 2
        case .keepaliveIdle: 4
        case .keepaliveInterval: 5
        case .keepaliveCount: 6
        case .userTimeout: 18
        case .congestionControl: 13
        case .cork: 3
        case .notSentLowWater: 25
        case .receiveQueueHint: 36
        case .zerocopy: 60
        // SO_TIMESTAMPING_OLD: what SO_TIMESTAMPING is where long is 64 bits.
        case .timestamping: 37
        case .freeBind: 15
        case .fastOpenConnect: 30
        case .bindAddressNoPort: 24
        case .localPortRange: 51
        case .keepaliveInit: 128
        // linux/in.h and linux/in6.h.
        case .timeToLive: 2
        case .typeOfService: 1
        case .unicastHops: 16
        case .trafficClass: 67
        }
    }

    /// Whether ``SocketCalls/option(_:of:)`` reads it.
    public var isReadable: Bool { self != .linger && self != .noDelay }
    /// Whether ``SocketCalls/setOption(_:_:now:)`` sets it.
    public var isSettable: Bool { self != .error }
    /// Whether its value is one integer (an int in C): all but SO_LINGER and TCP_CONGESTION.
    public var isInteger: Bool { self != .linger && self != .congestionControl }

    /// The option called `name` (`TCP_MAXSEG`), or nil.
    public init?(linuxName name: String) {
        guard let found = Self.allCases.first(where: { $0.linuxName == name }) else { return nil }
        self = found
    }

    /// The option at `level` numbered `number`, or nil.
    public init?(level: Int32, number: Int32) {
        guard let found = Self.allCases.first(where: { $0.level == level && $0.number == number }) else { return nil }
        self = found
    }
}

/// A socket option with its value, typed.
public enum SocketOption: Hashable, Sendable {
    /// SO_ERROR: the pending error, nil for none.
    case error(LinuxErrno?)
    /// SO_REUSEADDR.
    case reuseAddress(Bool)
    /// SO_LINGER: `{1, 0}` makes close() abort with a RST; other lingers close normally.
    case linger(on: Bool, seconds: Int)
    /// SO_RCVBUF, in bytes.
    case receiveBufferSize(Int)
    /// SO_SNDBUF, in bytes.
    case sendBufferSize(Int)
    /// SO_KEEPALIVE (RFC 1122 §4.2.3.6).
    case keepalive(Bool)
    /// TCP_NODELAY: Nagle's algorithm off.
    case noDelay(Bool)
    /// TCP_MAXSEG, in bytes.
    case maximumSegmentSize(Int)
    /// TCP_KEEPIDLE.
    case keepaliveIdle(seconds: Int)
    /// TCP_KEEPINTVL.
    case keepaliveInterval(seconds: Int)
    /// TCP_KEEPCNT.
    case keepaliveCount(Int)
    /// TCP_USER_TIMEOUT (RFC 5482).
    case userTimeout(milliseconds: Int)
    /// TCP_CONGESTION: the algorithm's Linux name (`cubic`); an unknown name is ENOENT.
    case congestionControl(String)
    /// TCP_CORK: hold partial segments until uncorked or a segment fills.
    case cork(Bool)
    /// TCP_NOTSENT_LOWAT, in bytes: writable only while fewer bytes wait unsent.
    case notSentLowWater(Int)
    /// TCP_INQ: the value set (0 off, other values on); reads give 1 or 0.
    case receiveQueueHint(Int)
    /// SO_ZEROCOPY: the value set (0 or 1); reads give 1 or 0.
    case zerocopy(Int)
    /// SO_TIMESTAMPING: the SOF_TIMESTAMPING_* flags.
    case timestamping(TimestampingFlags)
    /// IP_FREEBIND.
    case freeBind(Bool)
    /// TCP_FASTOPEN_CONNECT: the value set (0 or 1); reads give 1 or 0.
    case fastOpenConnect(Int)
    /// IP_BIND_ADDRESS_NO_PORT: bind() to port 0 leaves the port to connect().
    case bindAddressNoPort(Bool)
    /// IP_LOCAL_PORT_RANGE: `lo | hi << 16`, the socket's own ephemeral range.
    case localPortRange(UInt32)
    /// TCP_KEEPINIT (FreeBSD), in seconds.
    case keepaliveInit(seconds: Int)
    /// IP_TTL (-1: the default).
    case timeToLive(Int)
    /// IP_TOS (-1: the default).
    case typeOfService(Int)
    /// IPV6_UNICAST_HOPS (-1: the default).
    case unicastHops(Int)
    /// IPV6_TCLASS (-1: the default).
    case trafficClass(Int)

    /// Which option this is.
    public var name: SocketOptionName {
        switch self {
        case .error: .error
        case .reuseAddress: .reuseAddress
        case .linger: .linger
        case .receiveBufferSize: .receiveBufferSize
        case .sendBufferSize: .sendBufferSize
        case .keepalive: .keepalive
        case .noDelay: .noDelay
        case .maximumSegmentSize: .maximumSegmentSize
        case .keepaliveIdle: .keepaliveIdle
        case .keepaliveInterval: .keepaliveInterval
        case .keepaliveCount: .keepaliveCount
        case .userTimeout: .userTimeout
        case .congestionControl: .congestionControl
        case .cork: .cork
        case .notSentLowWater: .notSentLowWater
        case .receiveQueueHint: .receiveQueueHint
        case .zerocopy: .zerocopy
        case .timestamping: .timestamping
        case .freeBind: .freeBind
        case .fastOpenConnect: .fastOpenConnect
        case .bindAddressNoPort: .bindAddressNoPort
        case .localPortRange: .localPortRange
        case .keepaliveInit: .keepaliveInit
        case .timeToLive: .timeToLive
        case .typeOfService: .typeOfService
        case .unicastHops: .unicastHops
        case .trafficClass: .trafficClass
        }
    }

    /// An integer option (``SocketOptionName/isInteger``) with the value `value` has in C (a flag is non-zero when on;
    /// SO_ERROR's is the errno); nil for the others.
    public init?(_ name: SocketOptionName, integer value: Int64) {
        let n = Int(truncatingIfNeeded: value)
        switch name {
        case .error: self = .error(value == 0 ? nil : LinuxErrno(rawValue: Int32(truncatingIfNeeded: value)))
        case .reuseAddress: self = .reuseAddress(value != 0)
        case .receiveBufferSize: self = .receiveBufferSize(n)
        case .sendBufferSize: self = .sendBufferSize(n)
        case .keepalive: self = .keepalive(value != 0)
        case .noDelay: self = .noDelay(value != 0)
        case .maximumSegmentSize: self = .maximumSegmentSize(n)
        case .keepaliveIdle: self = .keepaliveIdle(seconds: n)
        case .keepaliveInterval: self = .keepaliveInterval(seconds: n)
        case .keepaliveCount: self = .keepaliveCount(n)
        case .userTimeout: self = .userTimeout(milliseconds: n)
        case .cork: self = .cork(value != 0)
        case .notSentLowWater: self = .notSentLowWater(n)
        case .receiveQueueHint: self = .receiveQueueHint(n)
        case .zerocopy: self = .zerocopy(n)
        case .timestamping: self = .timestamping(TimestampingFlags(rawValue: UInt32(truncatingIfNeeded: value)))
        case .freeBind: self = .freeBind(value != 0)
        case .fastOpenConnect: self = .fastOpenConnect(n)
        case .bindAddressNoPort: self = .bindAddressNoPort(value != 0)
        case .localPortRange: self = .localPortRange(UInt32(truncatingIfNeeded: value))
        case .keepaliveInit: self = .keepaliveInit(seconds: n)
        case .timeToLive: self = .timeToLive(n)
        case .typeOfService: self = .typeOfService(n)
        case .unicastHops: self = .unicastHops(n)
        case .trafficClass: self = .trafficClass(n)
        case .linger, .congestionControl: return nil
        }
    }

    /// The value as C's int holds it (a flag is 1 or 0; SO_ERROR is the errno or 0); nil for SO_LINGER and
    /// TCP_CONGESTION.
    public var integerValue: Int64? {
        switch self {
        case .error(let e): Int64(e?.rawValue ?? 0)
        case .reuseAddress(let on), .keepalive(let on), .noDelay(let on), .cork(let on), .freeBind(let on),
            .bindAddressNoPort(let on): on ? 1 : 0
        case .localPortRange(let v): Int64(v)
        case .receiveBufferSize(let n), .sendBufferSize(let n), .maximumSegmentSize(let n), .keepaliveCount(let n),
            .notSentLowWater(let n), .receiveQueueHint(let n), .zerocopy(let n), .fastOpenConnect(let n),
            .timeToLive(let n), .typeOfService(let n), .unicastHops(let n), .trafficClass(let n):
            Int64(n)
        case .timestamping(let flags): Int64(flags.rawValue)
        case .keepaliveIdle(let s), .keepaliveInterval(let s), .keepaliveInit(let s): Int64(s)
        case .userTimeout(let ms): Int64(ms)
        case .linger, .congestionControl: nil
        }
    }
}

extension SocketCalls {
    /// setsockopt(2).
    public mutating func setOption(_ fd: Int, _ option: SocketOption, now: Instant) throws(SocketCallError) {
        let socket = try descriptor(fd).socket
        switch option {
        case .error:
            throw .failed(.ENOPROTOOPT)
        case .keepaliveInit where stack.configuration.connectTimeout == nil:
            throw .failed(.ENOPROTOOPT)  // a system without the establishment timer has no TCP_KEEPINIT (Linux)
        case .linger(let on, let seconds):
            // Linger {1, 0}: close() aborts with a RST (RFC 9293 §3.10.5 ABORT). Other lingers close normally.
            descriptors[fd]!.lingerAbort = on && seconds == 0
            return
        case .congestionControl(let name):
            guard CongestionAlgorithm(rawValue: name) != nil else { throw .failed(.ENOENT) }
        default:
            break
        }
        do throws(SocketError) {
            switch option {
            case .reuseAddress(let on): try stack.setReuseAddress(socket, on)
            case .receiveBufferSize(let n): try stack.setReceiveBufferSize(socket, n)
            case .sendBufferSize(let n): try stack.setSendBufferSize(socket, n)
            case .maximumSegmentSize(let n): try stack.setMaximumSegmentSize(socket, n)
            // Keep-alive (RFC 1122 §4.2.3.6) and the user timeout (RFC 5482), as the engine implements them.
            case .keepalive(let on): try stack.setKeepalive(socket, on, now: now)
            case .keepaliveIdle(let s): try stack.setKeepaliveIdle(socket, seconds: s, now: now)
            case .keepaliveInterval(let s): try stack.setKeepaliveInterval(socket, seconds: s)
            case .keepaliveCount(let n): try stack.setKeepaliveCount(socket, n)
            case .keepaliveInit(let s): try stack.setConnectTimeout(socket, seconds: s)
            // The IP header fields the socket's segments carry (Connection+IPHeader.swift).
            case .timeToLive(let n), .unicastHops(let n): try stack.setHopLimit(socket, n)
            case .typeOfService(let n), .trafficClass(let n): try stack.setTrafficClass(socket, n)
            case .userTimeout(let ms): try stack.setUserTimeout(socket, milliseconds: ms)
            case .noDelay(let on): try stack.setNoDelay(socket, on, now: now)
            case .congestionControl(let name): try stack.setCongestionControl(socket, CongestionAlgorithm(rawValue: name)!)
            // The send queue (Linux tcp_push / tcp_stream_memory_free) and what recvmsg reports, as the engine has them.
            case .cork(let on): try stack.setCork(socket, on, now: now)
            case .notSentLowWater(let n): try stack.setNotSentLowWater(socket, n)
            case .receiveQueueHint(let n): try stack.setReceiveQueueHint(socket, n)
            case .zerocopy(let n): try stack.setZerocopy(socket, n)
            case .timestamping(let flags): try stack.setTimestamping(socket, flags)
            case .freeBind(let on): try stack.setFreeBind(socket, on)
            case .fastOpenConnect(let n): try stack.setFastOpenConnect(socket, n)
            case .bindAddressNoPort(let on): try stack.setBindAddressNoPort(socket, on)
            case .localPortRange(let v): try stack.setLocalPortRange(socket, v)
            case .error, .linger: break
            }
        } catch { throw SocketCallError(error) }
    }

    /// getsockopt(2): the option's value now (0 or empty for a socket the engine no longer has); ENOPROTOOPT for an
    /// option that is not ``SocketOptionName/isReadable``.
    public func option(_ name: SocketOptionName, of fd: Int) throws(SocketCallError) -> SocketOption {
        let socket = try descriptor(fd).socket
        switch name {
        case .error: return .error(stack.error(of: socket).map { LinuxErrno($0) })
        case .reuseAddress: return .reuseAddress(stack.connection(socket)?.reuseAddress == true)
        case .receiveBufferSize: return .receiveBufferSize(stack.receiveBufferSize(of: socket) ?? 0)
        case .sendBufferSize: return .sendBufferSize(stack.sendBufferSize(of: socket) ?? 0)
        case .maximumSegmentSize: return .maximumSegmentSize(stack.maximumSegmentSize(of: socket) ?? 0)
        case .keepalive: return .keepalive(stack.keepalive(of: socket)?.on == true)
        case .keepaliveIdle:
            return .keepaliveIdle(seconds: stack.keepalive(of: socket).map { Int($0.idle.components.seconds) } ?? 0)
        case .keepaliveInterval:
            return .keepaliveInterval(seconds: stack.keepalive(of: socket).map { Int($0.interval.components.seconds) } ?? 0)
        case .keepaliveCount: return .keepaliveCount(stack.keepalive(of: socket)?.count ?? 0)
        case .timeToLive: return .timeToLive(stack.hopLimit(of: socket) ?? 0)
        case .unicastHops: return .unicastHops(stack.hopLimit(of: socket) ?? 0)
        case .typeOfService: return .typeOfService(stack.trafficClass(of: socket) ?? 0)
        case .trafficClass: return .trafficClass(stack.trafficClass(of: socket) ?? 0)
        case .keepaliveInit:
            guard stack.configuration.connectTimeout != nil else { throw .failed(.ENOPROTOOPT) }
            return .keepaliveInit(seconds: stack.connectTimeout(of: socket).map { Int($0.components.seconds) } ?? 0)
        case .userTimeout:
            let ms = stack.userTimeout(of: socket).map {
                $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000
            }
            return .userTimeout(milliseconds: Int(ms ?? 0))
        case .congestionControl: return .congestionControl(stack.congestionControl(of: socket)?.rawValue ?? "")
        case .cork: return .cork(stack.cork(of: socket) == true)
        case .notSentLowWater: return .notSentLowWater(stack.notSentLowWaterOption(of: socket) ?? 0)
        case .receiveQueueHint: return .receiveQueueHint(stack.receiveQueueHintEnabled(of: socket) == true ? 1 : 0)
        case .zerocopy: return .zerocopy(stack.zerocopyEnabled(of: socket) == true ? 1 : 0)
        case .timestamping: return .timestamping(stack.timestamping(of: socket) ?? [])
        case .freeBind: return .freeBind(stack.freeBind(of: socket) == true)
        case .fastOpenConnect: return .fastOpenConnect(stack.fastOpenConnect(of: socket) == true ? 1 : 0)
        case .bindAddressNoPort: return .bindAddressNoPort(stack.localPortOptions(of: socket)?.bindAddressNoPort == true)
        case .localPortRange: return .localPortRange(stack.localPortOptions(of: socket)?.range ?? 0)
        case .linger, .noDelay: throw .failed(.ENOPROTOOPT)
        }
    }
}
