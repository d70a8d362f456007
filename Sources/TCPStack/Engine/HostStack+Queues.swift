/// What the socket queues hold, as ioctl and MSG_PEEK see them.
extension HostStack {
    /// SIOCINQ / FIONREAD: bytes waiting to be read (nil: no such socket; Linux answers EINVAL on a listener).
    public func readableBytes(of id: SocketID) -> Int? { slot(id)?.receiveBuffer.count }

    /// SIOCOUTQ: bytes written and not yet acknowledged, sent or not (Linux `tcp_ioctl`: write_seq - snd_una).
    public func unacknowledgedBytes(of id: SocketID) -> Int? { slot(id)?.sendBuffer.count }

    /// recv with MSG_PEEK: up to `maxBytes` of the waiting data, left in the queue for the next read.
    public func peek(_ id: SocketID, maxBytes: Int) -> [UInt8]? {
        guard let c = slot(id) else { return nil }
        let n = min(maxBytes, c.receiveBuffer.count)
        return n == 0 ? [] : Array(c.receiveBuffer.bytes(offset: 0, count: n))
    }
}

extension HostStack {
    /// The peer's FIN has arrived: reads end after the queued data (poll's POLLIN and POLLRDHUP).
    public func peerHasFinished(_ id: SocketID) -> Bool? { slot(id)?.peerFinReceived }
}
