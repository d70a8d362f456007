/// RECEIVE into the caller's memory (RFC 9293 §3.10.3), and what every read does afterwards.
extension HostStack {
    /// Copies up to `buffer.count` received bytes straight into `buffer` (no array is allocated); returns how many,
    /// 0 at end of stream or for an empty buffer; EAGAIN when nothing is there yet.
    public mutating func receive(
        _ id: SocketID, into buffer: UnsafeMutableRawBufferPointer, now: Instant
    ) throws(SocketError) -> Int {
        let i = try openSlot(id)
        guard buffer.count > 0 else { return 0 }
        let limit = slots[i].rareState == nil ? buffer.count : slots[i].urgentReadLimit(buffer.count)
        if !slots[i].receiveBuffer.isEmpty {
            let n = slots[i].receiveBuffer.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<limit]))
            didRead(slot: i, copied: n, now: now)
            return n
        }
        try checkNothingToRead(slot: i)
        return 0
    }

    /// After `copied` bytes were read: RFC 9293 §3.8.6.2.2 receiver-side window update, with Linux
    /// tcp_cleanup_rbuf's rule: announce the window once reading has at least doubled what the peer may still
    /// send (a zero window included). Waiting for it to reach zero would leave the sender idle until its probe
    /// timer.
    mutating func didRead(slot i: Int, copied: Int, now: Instant) {
        let promised = slots[i].receiveWindow
        let capacity = slots[i].receiveCapacity
        let free = capacity - slots[i].receiveBuffer.count
        let state = slots[i].state
        if state.isSynchronized && state != .timeWait && !slots[i].peerFinReceived
            && 2 * promised <= capacity && free > 0 && free >= 2 * promised {
            slots[i].sendAck(now: now, out: &out)
        } else if configuration.delayedAck == .linux && slots[i].ackDueAfterRead(copied: copied) {
            // Linux tcp_cleanup_rbuf (Connection+DelayedAck.swift).
            slots[i].sendAck(now: now, out: &out)
        }
    }

    /// Nothing is buffered: returns at end of stream, else throws what the state demands.
    func checkNothingToRead(slot i: Int) throws(SocketError) {
        if slots[i].peerFinReceived || slots[i].readShutdown { return }
        switch slots[i].state {
        case .closed: throw slots[i].pendingError ?? .notConnected
        case .listen: throw .notConnected
        default: throw .wouldBlock
        }
    }
}
