import TCPWire

/// The urgent byte under `urgentByteOutOfBand` (Linux without SO_OOBINLINE): it stays in the receive queue but not
/// in the stream a reader sees.
extension Connection {
    /// Linux `copied_seq`: the next byte a read returns.
    var readSequence: SeqNum { rcvNxt + (-receiveBuffer.count - (peerFinReceived ? 1 : 0)) }

    /// RFC 9293 §3.10.7.4 sixth (check the URG bit) as Linux `tcp_check_urg` does it, with `tcp_stdurg` 0: the
    /// urgent byte is the one before the pointer. An old pointer, one into bytes already received, or one not
    /// past the current mark is ignored; a new mark skips an urgent byte still unread at the head.
    mutating func checkUrgent(_ seg: TCPSegment) {
        switch state {
        case .established, .finWait1, .finWait2: break
        default: return  // RFC 9293 §3.10.7.4 sixth: the peer's FIN came first; ignore.
        }
        let pointer = Int(seg.urgentPointer)
        let mark = SeqNum(seg.sequenceNumber) + (pointer > 0 ? pointer - 1 : 0)
        if mark < readSequence || mark < rcvNxt { return }
        if let old = urgentMark {
            if mark <= old { return }
            if old == readSequence && !receiveBuffer.isEmpty { receiveBuffer.discard(1) }
        }
        urgentMark = mark
    }

    /// A read of up to `maxBytes` (Linux `tcp_recvmsg_locked`): it stops before the urgent byte, and skips the
    /// urgent byte when it is next; returns how many bytes the read may take.
    mutating func urgentReadLimit(_ maxBytes: Int) -> Int {
        guard let mark = urgentMark else { return maxBytes }
        let offset = mark - readSequence
        if offset < 0 {
            urgentMark = nil
            return maxBytes
        }
        if offset == 0 {
            guard !receiveBuffer.isEmpty else { return maxBytes }
            receiveBuffer.discard(1)
            urgentMark = nil
            return maxBytes
        }
        return min(maxBytes, offset)
    }

    /// splice's read (Linux `tcp_read_sock`): up to the urgent byte, 0 when it is next; nothing is skipped.
    func urgentSpliceLimit(_ maxBytes: Int) -> Int {
        guard let mark = urgentMark else { return maxBytes }
        let offset = mark - readSequence
        return offset < 0 ? maxBytes : min(maxBytes, offset)
    }
}

extension HostStack {
    /// splice(2) from a socket into a pipe (Linux `tcp_splice_read` -> `tcp_read_sock`): like `receive`, except
    /// at the urgent byte, where it returns nothing although data waits (Linux breaks out rather than loop).
    public mutating func spliceRead(_ id: SocketID, maxBytes: Int, now: Instant) throws(SocketError) -> [UInt8] {
        let i = try openSlot(id)
        let limit = slots[i].urgentSpliceLimit(maxBytes)
        if limit == 0 && maxBytes > 0 && !slots[i].receiveBuffer.isEmpty { return [] }
        return try receive(id, maxBytes: limit, now: now)
    }

    /// IP_FREEBIND: bind() may take an address this host does not have (Linux `inet_addr_valid_or_nonlocal`).
    public mutating func setFreeBind(_ id: SocketID, _ on: Bool) throws(SocketError) {
        let i = try openSlot(id)
        slots[i].freeBind = on
    }

    /// IP_FREEBIND as getsockopt reports it.
    public func freeBind(of id: SocketID) -> Bool? { slot(id).map(\.freeBind) }
}
