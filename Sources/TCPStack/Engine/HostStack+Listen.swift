import TCPWire

/// LISTEN and CLOSED segment processing (RFC 9293 §3.10.7.1, §3.10.7.2) and connection bookkeeping.
extension HostStack {
    func listener(for local: Endpoint) -> Int? {
        if let l = listeners[local] { return l }
        let any = local.address.isIPv6 ? IPAddress.v6(.any) : .v4(.any)
        return listeners[Endpoint(any, local.port)]
    }

    /// RFC 9293 §3.10.7.2: a segment for a listener.
    mutating func listenArrives(_ l: Int, packet: IPPacket, iss chosenISS: SeqNum?, now: Instant) {
        let seg = packet.tcp
        // RFC 9293 §3.10.7.2 first: a RST is ignored.
        if seg.flags.contains(.rst) { return }
        if seg.flags.contains(.ack) && seg.flags.contains(.syn) && configuration.dropSynAckInListen {
            // FreeBSD tcp_input: "SYN|ACK invalid, segment rejected": dropped without a RST.
            return
        }
        if seg.flags.contains(.ack) {
            // RFC 9293 §3.10.7.2 second: any ACK is bad: <SEQ=SEG.ACK><CTL=RST>.
            sendReset(to: packet, seq: seg.acknowledgmentNumber, ack: nil)
            return
        }
        // RFC 9293 §3.10.7.2 fourth, "other text or control": drop.
        guard seg.flags.contains(.syn) else { return }
        let listener = slots[l]
        if listener.pendingChildren + listener.acceptQueue.count >= max(listener.backlog, 1) {
            // Queue full: drop the SYN; the client retransmits it (Linux tcp_conn_request, sk_acceptq_is_full).
            return
        }
        // RFC 9293 §3.10.7.2 third, SYN: a new connection in SYN-RECEIVED answers <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
        let local = packet.destination
        let remote = packet.source
        let id = socket()
        let i = id.rawValue
        var c = slots[i]
        c.descriptorOpen = false
        c.passiveOpen = true
        c.parent = listener.id
        c.state = .listen
        c.local = local
        c.remote = remote
        // The connection inherits the listener's socket options (Linux sk_clone_lock copies the sock).
        c.userMSS = listener.userMSS
        c.receiveBufferSize = listener.receiveBufferSize
        c.sendBufferSize = listener.sendBufferSize
        c.noDelay = listener.noDelay
        c.congestionAlgorithm = listener.congestionAlgorithm
        c.keepalive = listener.keepalive
        c.keepalive.deadline = nil
        c.userTimeout = UserTimeout(timeout: listener.userTimeout.timeout)
        if listener.rareState != nil { c.reporting = listener.reporting.inherited }
        c.negotiate(seg, config: configuration, ipv6: local.address.isIPv6, now: now)
        // RFC 3168 §6.1.1: a Not-ECT SYN with ECE and CWR asks for ECN; any policy but off accepts (Linux
        // tcp_ecn_create_request).
        if configuration.ecn != .off, seg.flags.contains(.ece), seg.flags.contains(.cwr), packet.ecn == .notECT {
            c.ecn = .ok
        }
        c.irs = SeqNum(seg.sequenceNumber)
        c.rcvNxt = c.irs + 1
        c.rcvWup = c.rcvNxt
        let window = configuration.initialReceiveWindow(
            mss: c.ourMSS - (c.timestampsEnabled ? 12 : 0), receiveBuffer: c.receiveBufferSize)
        c.receiveCapacity = c.windowScalingEnabled ? window : min(window, 65535)
        // Linux tcp_select_initial_window keeps rcv_wnd whole; only the field is capped.
        c.delack.linuxWindow = configuration.linuxReceiveWindow
        c.rcvWndAdvertised = c.delack.linuxWindow ? window : c.receiveCapacity
        c.iss = chosenISS
            ?? isnGenerator.isn(local: local, remote: remote, now: now, clockShift: configuration.isnClockShift)
        c.sndUna = c.iss
        c.sndNxt = c.iss + 1
        c.sendBufferStart = c.sndNxt
        c.sndWnd = Int(seg.window)
        c.maxSndWnd = c.sndWnd
        c.sndWl1 = c.irs
        if configuration.randomTimestampOffset {
            c.tsOffset = timestampOffset(local.address, remote.address)
        }
        c.setState(.synReceived, cause: .segment(seg), rfc: "RFC 9293 §3.10.7.2", linux: "tcp_conn_request",
            now: now, config: configuration, out: &out)
        c.sendSynAck(now: now, config: configuration, out: &out)
        c.timeSegment(endingAt: c.iss + 1, now: now)
        c.retransmitDeadline = now + c.rto
        c.inConnectionTable = true
        slots[i] = c
        connections.insert(FourTuple(local: local, remote: remote), index: i)
        slots[l].pendingChildren += 1
    }

    /// RFC 9293 §3.10.7.1: no connection: reset, unless the segment is a reset.
    mutating func resetForNoConnection(_ packet: IPPacket) {
        let seg = packet.tcp
        // RFC 9293 §3.10.7.1: an incoming RST is discarded.
        if seg.flags.contains(.rst) { return }
        if seg.flags.contains(.ack) {
            // RFC 9293 §3.10.7.1: ACK on: <SEQ=SEG.ACK><CTL=RST>.
            sendReset(to: packet, seq: seg.acknowledgmentNumber, ack: nil)
        } else {
            // RFC 9293 §3.10.7.1: ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (Linux tcp_v4_send_reset).
            sendReset(to: packet, seq: 0, ack: seg.sequenceNumber &+ UInt32(seg.sequenceLength))
        }
    }

    /// A reset in answer to `packet`, from its destination to its source, window 0, no options.
    mutating func sendReset(to packet: IPPacket, seq: UInt32, ack: UInt32?) {
        let tcp = TCPSegment(
            sourcePort: packet.tcp.destinationPort, destinationPort: packet.tcp.sourcePort, sequenceNumber: seq,
            acknowledgmentNumber: ack ?? 0, flags: ack == nil ? .rst : .rstAck, window: 0)
        out.packets.append(IPPacket(from: packet.ip.destination, to: packet.ip.source, tcp: tcp))
    }

    /// A passive child reached ESTABLISHED: it moves to the accept queue.
    mutating func childEstablished(_ i: Int) {
        guard let parent = slots[i].parent, isValid(parent) else { return }
        let p = parent.rawValue
        slots[p].pendingChildren -= 1
        slots[p].acceptQueue.append(slots[i].id)
        out.events.append(.acceptReady(listener: parent))
    }

    /// RFC 6191 / RFC 9293 §3.10.7.4: a SYN replaces a TIME-WAIT connection; the new incarnation starts its
    /// sequence space above the old one (Linux: tw_snd_nxt + 65535 + 2).
    mutating func reopenTimeWait(_ i: Int, packet: IPPacket, now: Instant) {
        let iss = slots[i].sndNxt + 65537
        slots[i].setState(.closed, cause: .segment(packet.tcp), rfc: "RFC 6191 §2",
            linux: "tcp_timewait_state_process", now: now, config: configuration, out: &out)
        connectionClosed(i)
        if let l = listener(for: packet.destination) {
            listenArrives(l, packet: packet, iss: iss, now: now)
        } else {
            resetForNoConnection(packet)
        }
    }

    // MARK: closing

    /// CLOSE or SHUTDOWN(write) (RFC 9293 §3.10.4), by state.
    mutating func closeSendSide(_ i: Int, cause: TransitionCause, now: Instant) {
        let linux = "tcp_close_state"
        switch slots[i].state {
        case .synReceived, .established:
            // RFC 9293 §3.10.4: queue a FIN after pending data; FIN-WAIT-1.
            slots[i].finQueued = true
            slots[i].setState(.finWait1, cause: cause, rfc: "RFC 9293 §3.10.4", linux: linux, now: now,
                config: configuration, out: &out)
            slots[i].transmit(now: now, config: configuration, out: &out)
        case .closeWait:
            // RFC 9293 §3.10.4: CLOSE-WAIT: queue a FIN; LAST-ACK.
            slots[i].finQueued = true
            slots[i].setState(.lastAck, cause: cause, rfc: "RFC 9293 §3.10.4", linux: linux, now: now,
                config: configuration, out: &out)
            slots[i].transmit(now: now, config: configuration, out: &out)
        case .synSent:
            // RFC 9293 §3.10.4: SYN-SENT: delete the TCB.
            slots[i].setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.4", linux: "tcp_set_state", now: now,
                config: configuration, out: &out)
        default:
            // RFC 9293 §3.10.4: already closing (or closed): nothing more to send.
            break
        }
    }

    /// A listener stops listening: its queued and embryonic connections are reset (Linux inet_csk_listen_stop),
    /// and it returns to CLOSED unless an active open takes over.
    mutating func closeListener(_ l: Int, now: Instant, cause: TransitionCause, toClosed: Bool) {
        if let local = slots[l].local { listeners[local] = nil }
        if toClosed {
            slots[l].setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.4", linux: "inet_csk_listen_stop",
                now: now, config: configuration, out: &out)
        }
        let owner = slots[l].id
        for i in slots.indices {
            guard slots[i].inUse, slots[i].parent == owner, !slots[i].descriptorOpen else { continue }
            let c = slots[i]
            c.sendReset(seq: c.sndNxt, ack: c.rcvNxt, out: &out)
            slots[i].parent = nil
            slots[i].setState(.closed, cause: cause, rfc: "RFC 9293 §3.10.5", linux: "inet_csk_listen_stop",
                now: now, config: configuration, out: &out)
            connectionClosed(i)
        }
        slots[l].acceptQueue.removeAll()
        slots[l].pendingChildren = 0
    }

    /// A connection reached CLOSED: forget its 4-tuple, release an ephemeral port, and free the slot if the
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

    // MARK: ports

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
