/// TCP_INQ, SO_TIMESTAMPING, SO_ZEROCOPY and the socket error queue, as Linux implements them.
extension HostStack {
    /// TCP_INQ: recvmsg then reports `receiveQueueHint` (Linux `do_tcp_setsockopt`: only 0 or 1, else EINVAL).
    public mutating func setReceiveQueueHint(_ id: SocketID, _ value: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard value == 0 || value == 1 else { throw .invalidArgument }
        slots[i].reporting.receiveQueueHint = value == 1
    }

    /// TCP_INQ as getsockopt reports it.
    public func receiveQueueHintEnabled(of id: SocketID) -> Bool? { slot(id).map { $0.reporting.receiveQueueHint } }

    /// The TCP_CM_INQ value (Linux `tcp_inq_hint`): RCV.NXT minus the bytes read, where the peer's FIN counts as
    /// one until it is read; once the FIN has arrived it is never 0, so the reader goes on to read end of stream.
    public func receiveQueueHint(of id: SocketID) -> Int? {
        guard let c = slot(id) else { return nil }
        return c.receiveBuffer.count + (c.peerFinReceived ? 1 : 0)
    }

    /// SO_TIMESTAMPING (Linux `sock_set_timestamping`): unknown flags and OPT_ID_TCP without OPT_ID are EINVAL;
    /// turning OPT_ID on sets the key base to SND.UNA (SND.NXT-to-be, `write_seq`, with OPT_ID_TCP), and is
    /// EINVAL on a closed or listening socket.
    public mutating func setTimestamping(_ id: SocketID, _ flags: TimestampingFlags) throws(SocketError) {
        let i = try openSlot(id)
        guard TimestampingFlags.known.isSuperset(of: flags) else { throw .invalidArgument }
        if flags.contains(.optIDTCP) && !flags.contains(.optID) { throw .invalidArgument }
        if flags.contains(.bindPHC) { throw .invalidArgument }  // needs a PHC index this engine has no device for
        var reporting = slots[i].reporting
        if flags.contains(.optID) && !reporting.timestamping.contains(.optID) {
            let state = slots[i].state
            if state == .closed || state == .listen { throw .invalidArgument }
            reporting.timestampKeyBase = flags.contains(.optIDTCP) ? slots[i].dataEnd : slots[i].sndUna
        }
        reporting.timestamping = flags
        slots[i].reporting = reporting
    }

    /// SO_TIMESTAMPING as getsockopt reports it.
    public func timestamping(of id: SocketID) -> TimestampingFlags? { slot(id).map { $0.reporting.timestamping } }

    /// SO_ZEROCOPY (Linux `sk_setsockopt`: 0 or 1 on a TCP socket, else EINVAL).
    public mutating func setZerocopy(_ id: SocketID, _ value: Int) throws(SocketError) {
        let i = try openSlot(id)
        guard value == 0 || value == 1 else { throw .invalidArgument }
        slots[i].reporting.zerocopy = value == 1
    }

    /// SO_ZEROCOPY as getsockopt reports it.
    public func zerocopyEnabled(of id: SocketID) -> Bool? { slot(id).map { $0.reporting.zerocopy } }

    /// send with MSG_ZEROCOPY: with SO_ZEROCOPY on, a send that takes bytes gets the next id (`sk_zckey`), and
    /// its completion is queued on the error queue once those bytes are acknowledged (Linux `tcp_sendmsg_locked`,
    /// `msg_zerocopy_realloc`). Without SO_ZEROCOPY, or for an empty send, the flag is ignored, as Linux does.
    public mutating func sendZerocopy(_ id: SocketID, _ bytes: [UInt8], now: Instant) throws(SocketError) -> Int {
        let i = try openSlot(id)
        let zerocopy = slots[i].reporting.zerocopy
        let taken = try send(id, bytes, now: now)
        if zerocopy && taken > 0 {
            var reporting = slots[i].reporting
            reporting.zerocopyPending.append(.init(end: slots[i].dataEnd, id: reporting.nextZerocopyID))
            reporting.nextZerocopyID &+= 1
            slots[i].reporting = reporting
        }
        return taken
    }

    /// recvmsg(MSG_ERRQUEUE): the oldest message of the error queue, or nil when it is empty (EAGAIN).
    public mutating func readErrorQueue(_ id: SocketID) throws(SocketError) -> ErrorQueueMessage? {
        let i = try openSlot(id)
        var reporting = slots[i].reporting
        guard !reporting.errorQueue.isEmpty else { return nil }
        let message = reporting.errorQueue.removeFirst()
        slots[i].reporting = reporting
        return message
    }

    /// Messages waiting on the error queue (poll's POLLERR).
    public func errorQueueCount(of id: SocketID) -> Int? { slot(id).map { $0.reporting.errorQueue.count } }
}
