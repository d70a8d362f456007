/// Socket options that shape a connection before it opens: TCP_MAXSEG, SO_RCVBUF, SO_SNDBUF (Linux semantics),
/// and TCP_NODELAY.
extension HostStack {
    /// FreeBSD TCP_NOOPT: the socket's segments carry no TCP options, so none is negotiated
    /// (`tcp_default_ctloutput` sets TF_NOOPT); unavailable where the configuration has no such option.
    public mutating func setNoOptions(_ id: SocketID, _ on: Bool) throws(SocketError) {
        let i = try openSlot(id)
        guard configuration.noOptionsSocketOption else { throw .operationNotSupported }
        slots[i].noOptions = on
    }

    /// TCP_NOOPT as getsockopt reports it.
    public func noOptions(of id: SocketID) -> Bool? { slot(id).map { $0.noOptions } }

    /// TCP_NODELAY: turns the Nagle algorithm off (RFC 1122 §4.2.3.4: it MUST be possible to disable it); setting
    /// it sends what Nagle was holding (Linux `do_tcp_setsockopt` -> `tcp_push_pending_frames`). A listener passes
    /// it to its connections.
    public mutating func setNoDelay(_ id: SocketID, _ on: Bool, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].noDelay = on
        guard on else { return }
        // Linux __tcp_sock_set_nodelay: TCP_NAGLE_PUSH sends what TCP_CORK or MSG_MORE holds, once.
        if slots[i].rareState != nil { slots[i].sendMarks.pushOnce = true }
        slots[i].transmit(now: now, config: configuration, out: &out)
    }

    /// TCP_CORK (Linux `__tcp_sock_set_cork`): while set, partial segments wait for more data (whole segments
    /// still go); clearing it sends what waits, at once when TCP_NODELAY is on (`TCP_NAGLE_PUSH`), else under
    /// Nagle. The probe timer sends held data when nothing is in flight (`tcp_write_wakeup`).
    public mutating func setCork(_ id: SocketID, _ on: Bool, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].sendMarks.cork = on
        guard !on else { return }
        if slots[i].noDelay, slots[i].rareState != nil { slots[i].sendMarks.pushOnce = true }
        slots[i].transmit(now: now, config: configuration, out: &out)
    }

    /// TCP_CORK as getsockopt reports it.
    public func cork(of id: SocketID) -> Bool? {
        slot(id).map { $0.sendMarks.cork }
    }

    /// TCP_NOTSENT_LOWAT (Linux `do_tcp_setsockopt`): writable only while fewer than `bytes` unsent bytes wait; 0
    /// restores the sysctl (`tcp_notsent_lowat`: `tp->notsent_lowat ?: sysctl`). Negative values are EINVAL in
    /// no Linux; they are taken as a u32, as Linux does.
    public mutating func setNotSentLowWater(_ id: SocketID, _ bytes: Int) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].sendMarks.notSentLowWater = bytes == 0 ? -1 : Int64(UInt32(truncatingIfNeeded: bytes))
    }

    /// The unsent-bytes limit in force: TCP_NOTSENT_LOWAT, else `net.ipv4.tcp_notsent_lowat` (Linux
    /// `tcp_notsent_lowat`).
    func notSentLowWater(slot i: Int) -> Int {
        let own = slots[i].sendMarks.notSentLowWater
        return own < 0 ? configuration.notSentLowWater : Int(own)
    }

    /// Whether poll/epoll report the socket writable (Linux `tcp_poll` -> `__sk_stream_is_writeable(sk, 1)`):
    /// free send space at least half of what is queued (`sk_stream_wspace >= sk_stream_min_wspace`) and unsent
    /// bytes, doubled, below the TCP_NOTSENT_LOWAT limit (`tcp_stream_memory_free` with `wake` 1). Nil for an
    /// unknown socket.
    public func isWritable(_ id: SocketID) -> Bool? {
        guard isValid(id) else { return nil }
        let i = id.rawValue
        var capacity = slots[i].sendBufferSize ?? configuration.sendBufferSize
        var queued = slots[i].sendBuffer.count
        if configuration.linuxSkbSendQueue {
            // `sk_sndbuf` and `sk_wmem_queued` with each skb's overhead (HostStack+SendAdmission.swift).
            capacity = skbSendBuffer(slot: i)
            queued = slots[i].skbQueueMemory(queued, goal: slots[i].skbSizeGoal(config: configuration))
        }
        return capacity - queued >= queued / 2 && slots[i].unsentBytes << 1 < notSentLowWater(slot: i)
    }

    /// TCP_NOTSENT_LOWAT as getsockopt reports it: the socket's value, 0 when unset.
    public func notSentLowWaterOption(of id: SocketID) -> Int? {
        slot(id).map { c in c.sendMarks.notSentLowWater < 0 ? 0 : Int(c.sendMarks.notSentLowWater) }
    }

    /// TCP_CONGESTION: the congestion-control algorithm of this socket. On an open connection the new algorithm
    /// takes over the current cwnd and ssthresh (Linux `tcp_set_congestion_control`); a listener passes it on.
    public mutating func setCongestionControl(_ id: SocketID, _ algorithm: CongestionAlgorithm) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].congestionAlgorithm = algorithm
        slots[i].cc = slots[i].cc.switched(to: algorithm)
    }

    /// TCP_CONGESTION as getsockopt reports it.
    public func congestionControl(of id: SocketID) -> CongestionAlgorithm? {
        slot(id).map { $0.state.isSynchronized ? $0.cc.algorithm : configuration.congestionAlgorithm(for: $0.congestionAlgorithm) }
    }

    /// Linux `TCP_MIN_MSS` and `MAX_TCP_WINDOW`: the range TCP_MAXSEG accepts.
    static let userMSSRange = 88...32767
    /// Linux `SOCK_MIN_RCVBUF` (2048 + an aligned `sk_buff`, x86-64) and `SOCK_MIN_SNDBUF` (twice that).
    static let minimumReceiveBuffer = 2304
    static let minimumSendBuffer = 4608

    /// TCP_MAXSEG: caps the MSS we announce and send with (RFC 9293 §3.7.1; Linux `do_tcp_setsockopt`:
    /// 0 clears it, values outside 88...32767 are EINVAL). A listener passes it to its connections.
    public mutating func setMaximumSegmentSize(_ id: SocketID, _ mss: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard mss == 0 || Self.userMSSRange.contains(mss) else { throw .invalidArgument }
        slots[i].userMSS = mss == 0 ? nil : mss
    }

    /// SO_RCVBUF: Linux `sock_setsockopt` caps the value at `rmem_max`, then doubles it for bookkeeping
    /// overhead; the receive window is half of the result (`tcp_full_space`), and it fixes the window scale
    /// (`tcp_select_initial_window` with `SOCK_RCVBUF_LOCK`). Applies to connections opened afterwards.
    public mutating func setReceiveBufferSize(_ id: SocketID, _ bytes: Int) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].receiveBufferSize = Self.userBuffer(bytes, limit: configuration.userBufferMax,
            minimum: Self.minimumReceiveBuffer)
    }

    /// SO_SNDBUF: capped at `wmem_max` and doubled like SO_RCVBUF; `send` takes half of it in payload bytes.
    public mutating func setSendBufferSize(_ id: SocketID, _ bytes: Int) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].sendBufferSize = Self.userBuffer(bytes, limit: configuration.userBufferMax,
            minimum: Self.minimumSendBuffer)
    }

    /// SO_RCVBUF as getsockopt reports it: the doubled value, or `tcp_rmem[1]`.
    public func receiveBufferSize(of id: SocketID) -> Int? {
        slot(id).map { $0.receiveBufferSize ?? configuration.receiveBufferDefault }
    }

    /// SO_SNDBUF as getsockopt reports it: the doubled value, or `tcp_wmem[1]`.
    public func sendBufferSize(of id: SocketID) -> Int? {
        slot(id).map { $0.sendBufferSize ?? configuration.sendBufferSize }
    }

    /// A negative int becomes a huge u32 in Linux, so it meets the cap.
    static func userBuffer(_ bytes: Int, limit: Int, minimum: Int) -> Int {
        max((bytes < 0 ? limit : min(bytes, limit)) * 2, minimum)
    }
}

extension HostStack {
    /// Linux `TCP_MSS_DEFAULT`: what TCP_MAXSEG reads before any MSS is known.
    static let defaultMSS = 536

    /// TCP_MAXSEG as getsockopt reports it in every state (Linux `tcp_getsockopt`): on a CLOSED or LISTEN socket the
    /// value set with setsockopt, else 536 (`TCP_MSS_DEFAULT`); once the MSS is negotiated, the size segments are
    /// sent with, options deducted (`mss_cache`).
    public func maximumSegmentSize(of id: SocketID) -> Int? {
        guard let c = slot(id) else { return nil }
        switch c.state {
        case .closed, .listen, .synSent: return c.userMSS ?? Self.defaultMSS
        default: return c.sendMSS
        }
    }
}
