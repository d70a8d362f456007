import TCPWire

/// The client side of TCP Fast Open (RFC 7413) as Linux has it: TCP_FASTOPEN_CONNECT, the cookie request in the
/// SYN, the cookie cache, the deferred connect, and MSG_FASTOPEN. Data in the SYN is not modelled: a write that
/// would put data there is refused by the caller (the runner names it), except when copying the data faults,
/// which Linux answers with a plain SYN carrying a cookie request (`tcp_send_syn_data`, fallback).
struct FastOpenClient: Hashable {
    /// TCP_FASTOPEN_CONNECT (`tp->fastopen_connect`).
    var connectOption = false
    /// The next SYN carries the Fast Open option (`tp->fastopen_req` with a cookie request or a cookie).
    var requestInSyn = false
    /// The SYN went out with the Fast Open option (`tp->syn_fastopen`): a cookie in the SYN-ACK is kept.
    var requested = false
    /// connect() returned without a SYN, which waits for the first write (`DEFER_CONNECT`).
    var deferred = false
    /// A cookie the SYN-ACK brought, for the host to cache.
    var learned: [UInt8]?
}

/// RFC 7413 §4.1.1: the Fast Open option kind; a cookie is 4 to 16 bytes, even.
let fastOpenOptionKind: UInt8 = 34

extension Connection {
    /// The Fast Open option after the other SYN options, padded with nops to a 4-byte boundary (Linux
    /// `tcp_options_write`: `FO` then `nop,nop` for a bare request). Only the first SYN carries it (Linux sets
    /// `cookie.len = -1` for retries).
    mutating func addFastOpenOption(to options: inout TCPOptions) {
        guard fastOpen.requestInSyn else { return }
        fastOpen.requestInSyn = false
        fastOpen.requested = true
        var o = options
        do throws(WireError) {
            try o.append(.unknown(kind: fastOpenOptionKind, data: []))
            while o.count % 4 != 0 { try o.append(.noOperation) }
            options = o
        } catch {
            // No room: the SYN goes without the option (Linux tcp_syn_options checks the remaining space).
            fastOpen.requested = false
        }
    }

    /// Our SYN is acknowledged: keep a cookie the SYN-ACK carries if we asked for one (Linux
    /// `tcp_rcv_fastopen_synack`: an unsolicited cookie is ignored).
    mutating func fastOpenSynAckArrives(_ seg: TCPSegment) {
        guard fastOpen.requested else { return }
        var state = fastOpen
        state.requested = false
        for case .unknown(let kind, let data) in seg.options where kind == fastOpenOptionKind {
            if (4...16).contains(data.count) && data.count % 2 == 0 { state.learned = data }
        }
        fastOpen = state
    }
}

extension HostStack {
    /// TCP_FASTOPEN_CONNECT (Linux `do_tcp_setsockopt`): 0 or 1, else EINVAL; EOPNOTSUPP when the client side is
    /// off; EINVAL once the socket left CLOSED.
    public mutating func setFastOpenConnect(_ id: SocketID, _ value: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard value == 0 || value == 1 else { throw .invalidArgument }
        guard configuration.fastOpenClient else { throw .operationNotSupported }
        guard slots[i].state == .closed else { throw .invalidArgument }
        slots[i].fastOpen.connectOption = value == 1
    }

    /// TCP_FASTOPEN_CONNECT as getsockopt reports it.
    public func fastOpenConnect(of id: SocketID) -> Bool? { slot(id).map { $0.fastOpen.connectOption } }

    /// A connect() that returned 0 while its SYN waits for the first write.
    public func isConnectDeferred(_ id: SocketID) -> Bool { slot(id)?.fastOpen.deferred ?? false }

    /// The cookie cached for a peer.
    public func fastOpenCookie(for address: IPAddress) -> [UInt8]? { fastOpenCookies[address] }

    /// What connect() does with TCP_FASTOPEN_CONNECT (Linux `tcp_fastopen_defer_connect`): with a cookie cached
    /// for the peer it defers the SYN; without one the SYN asks for a cookie.
    func fastOpenAtConnect(_ current: FastOpenClient, remote: IPAddress) -> FastOpenClient {
        var f = FastOpenClient()
        f.connectOption = current.connectOption
        f.requestInSyn = current.requestInSyn  // MSG_FASTOPEN's fallback SYN asks for a cookie
        guard current.connectOption, configuration.fastOpenClient else { return f }
        if fastOpenCookies[remote] != nil { f.deferred = true } else { f.requestInSyn = true }
        return f
    }

    /// Moves a cookie a SYN-ACK brought into the cache (Linux `tcp_fastopen_cache_set`).
    mutating func learnFastOpenCookie(_ i: Int) {
        guard let cookie = slots[i].fastOpen.learned, let remote = slots[i].remote else { return }
        slots[i].fastOpen.learned = nil
        fastOpenCookies[remote.address] = cookie
    }

    /// The first write of a Fast Open connect whose data cannot be copied (a bad buffer): MSG_FASTOPEN on an
    /// unconnected socket (connecting it to `remote`), or any write after a deferred connect. Linux
    /// `tcp_send_syn_data` falls back to a SYN with a cookie request and the non-blocking call fails with
    /// EINPROGRESS (`tcp_sendmsg_fastopen`); EOPNOTSUPP when the client side is off.
    public mutating func fastOpenWriteFaults(_ id: SocketID, to remote: Endpoint?, now: Instant) throws(SocketError) {
        let i = try openSlot(id)
        guard configuration.fastOpenClient else { throw .operationNotSupported }
        if slots[i].fastOpen.deferred {
            slots[i].fastOpen.deferred = false
            slots[i].fastOpen.requestInSyn = true
            slots[i].sendSyn(now: now, config: configuration, out: &out)
            slots[i].timeSegment(endingAt: slots[i].iss + 1, now: now)
            slots[i].retransmitDeadline = now + slots[i].rto
            throw .inProgress
        }
        // Linux __inet_stream_connect: a socket already connecting gives EALREADY, a connected one EISCONN.
        switch slots[i].state {
        case .closed: break
        case .synSent, .synReceived: throw .alreadyInProgress
        default: throw .alreadyConnected
        }
        guard let remote else { throw .alreadyConnected }
        slots[i].fastOpen.requestInSyn = true
        try connect(id, to: remote, now: now)
        throw .inProgress
    }
}
