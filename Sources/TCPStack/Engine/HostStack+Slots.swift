import TCPWire

/// Slot and port bookkeeping: a connection that reached CLOSED gives back its 4-tuple, port and slot; source
/// address selection for connect().
extension HostStack {
    /// descriptor is gone.
    mutating func connectionClosed(_ i: Int) {
        guard slots[i].inUse else { return }
        if slots[i].inConnectionTable, let local = slots[i].local, let remote = slots[i].remote {
            connections.remove(FourTuple(local: local, remote: remote), index: i)
            slots[i].inConnectionTable = false
        }
        if let parent = slots[i].parent, isValid(parent) {
            let p = parent.rawValue
            if let k = slots[p].acceptQueue.firstIndex(of: SocketID(i)) {
                slots[p].acceptQueue.remove(at: k)
            } else {
                slots[p].pendingChildren = max(0, slots[p].pendingChildren - 1)
            }
            slots[i].parent = nil
        }
        if let b = slots[i].bindID {
            // The port goes back unless bind() placed it and the descriptor still holds it.
            bindTable.release(b)
            slots[i].bindID = nil
            if slots[i].descriptorOpen, let bound = slots[i].boundEndpoint {
                let options = BindOptions(reuseAddress: slots[i].reuseAddress)
                slots[i].bindID = try? bindTable.bind(bound, options: options)
                slots[i].local = bound
            }
        }
        if !slots[i].descriptorOpen { freeSlot(i) }
    }

    mutating func freeSlot(_ i: Int) {
        guard slots[i].inUse else { return }
        if let b = slots[i].bindID { bindTable.release(b) }
        if !listeners.isEmpty, let local = slots[i].local, listeners[local] == i { listeners[local] = nil }
        slots[i].inUse = false
        // Give back buffer storage; most sockets never allocated any (socket() rebuilds the whole TCB on reuse,
        // so a freed slot's buffers matter only for the memory they hold).
        if slots[i].sendBuffer.storageBytes != 0 { slots[i].sendBuffer.removeAll() }
        if slots[i].receiveBuffer.storageBytes != 0 { slots[i].receiveBuffer.removeAll() }
        if slots[i].acceptQueue.capacity != 0 { slots[i].acceptQueue = [] }
        freeSlots.append(i)
    }

    // MARK: addresses

    func isAny(_ a: IPAddress) -> Bool {
        switch a {
        case .v4(let v): v == .any
        case .v6(let v): v == .any
        }
    }

    /// Source address selection: the destination itself when it is one of ours (the local route, as for
    /// 127.0.0.1), else our first address of the family.
    func chooseSource(for destination: IPAddress) throws(SocketError) -> IPAddress {
        if addresses.contains(destination) { return destination }
        guard let a = addresses.first(where: { $0.isIPv6 == destination.isIPv6 }) else {
            throw .addressNotAvailable
        }
        return a
    }
}
