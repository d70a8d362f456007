/// SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT and TCP_USER_TIMEOUT, with Linux's ranges
/// (`do_tcp_setsockopt`: `MAX_TCP_KEEPIDLE`/`MAX_TCP_KEEPINTVL` 32767 s, `MAX_TCP_KEEPCNT` 127). A listener passes
/// them to its connections.
extension HostStack {
    /// SO_KEEPALIVE: on an open connection the timer starts at the idle time (Linux `tcp_set_keepalive`).
    public mutating func setKeepalive(_ id: SocketID, _ on: Bool, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].keepalive.enabled = on
        slots[i].armKeepalive(after: slots[i].keepaliveIdle(configuration), now: now)
    }

    /// TCP_KEEPIDLE in seconds (1...32767): the timer is moved to what is left of the new idle time.
    public mutating func setKeepaliveIdle(_ id: SocketID, seconds: Int, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        guard (1...32767).contains(seconds) else { throw .invalidArgument }
        slots[i].keepalive.idleSeconds = UInt16(seconds)
        let elapsed = now - max(slots[i].lastHeard, slots[i].delack.lastReceived ?? slots[i].lastHeard)
        let left = Duration.seconds(Int64(seconds)) - elapsed
        slots[i].armKeepalive(after: max(left, .zero), now: now)
    }

    /// TCP_KEEPINTVL in seconds (1...32767).
    public mutating func setKeepaliveInterval(_ id: SocketID, seconds: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard (1...32767).contains(seconds) else { throw .invalidArgument }
        slots[i].keepalive.intervalSeconds = UInt16(seconds)
    }

    /// TCP_KEEPCNT (1...127).
    public mutating func setKeepaliveCount(_ id: SocketID, _ count: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard (1...127).contains(count) else { throw .invalidArgument }
        slots[i].keepalive.count = UInt8(count)
    }

    /// FreeBSD TCP_KEEPINIT in seconds (0...65535; 0: the configuration's `connectTimeout`), for the next connect
    /// (`tcp_default_ctloutput` stores `t_keepinit`; `tcp_connect` arms TT_KEEP with it).
    public mutating func setConnectTimeout(_ id: SocketID, seconds: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard (0...65535).contains(seconds) else { throw .invalidArgument }
        slots[i].connectTimeoutSeconds = UInt16(seconds)
    }

    /// The effective connection-establishment limit (TCP_KEEPINIT), nil where the system has none.
    public func connectTimeout(of id: SocketID) -> Duration? { slot(id).flatMap { $0.connectTimeout(configuration) } }

    /// SO_KEEPALIVE and the effective idle, interval and count, as getsockopt reports them.
    public func keepalive(of id: SocketID) -> (on: Bool, idle: Duration, interval: Duration, count: Int)? {
        slot(id).map {
            ($0.keepalive.enabled, $0.keepaliveIdle(configuration), $0.keepaliveInterval(configuration),
                $0.keepaliveCount(configuration))
        }
    }

    /// TCP_USER_TIMEOUT in milliseconds (RFC 9293 §3.8.6.4, RFC 5482): 0 turns it off; negative is EINVAL.
    public mutating func setUserTimeout(_ id: SocketID, milliseconds: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard milliseconds >= 0, milliseconds <= Int(Int32.max) else { throw .invalidArgument }
        slots[i].userTimeout.timeout = milliseconds == 0 ? nil : .milliseconds(milliseconds)
    }

    /// TCP_USER_TIMEOUT as getsockopt reports it (nil: off).
    public func userTimeout(of id: SocketID) -> Duration? { slot(id)?.userTimeout.timeout }
}
