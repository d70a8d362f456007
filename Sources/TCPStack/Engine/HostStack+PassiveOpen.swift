import TCPWire

/// LISTEN (RFC 9293 §3.10.7.2): which listener takes a segment, the SYN that makes a connection in SYN-RECEIVED,
/// the child that reaches the accept queue, and the SYN that reopens TIME-WAIT.
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
        if listener.rareState != nil {
            c.reporting = listener.reporting.inherited
            c.ipHeader = listener.ipHeader  // FreeBSD syncache_socket / Linux sk_clone_lock copy TTL and TOS
            c.noOptions = listener.noOptions
        }
        let iss = chosenISS
            ?? isnGenerator.isn(local: local, remote: remote, now: now, clockShift: configuration.isnClockShift)
        let tsOffset = configuration.randomTimestampOffset ? timestampOffset(local.address, remote.address) : nil
        // RFC 3168 §6.1.1: a Not-ECT SYN with ECE and CWR asks for ECN; any policy but off accepts (Linux
        // tcp_ecn_create_request).
        let ecnSetup = configuration.ecn != .off && seg.flags.contains(.ece) && seg.flags.contains(.cwr)
            && packet.ecn == .notECT
        c.openFromSyn(seg, ecnSetup: ecnSetup, iss: iss, tsOffset: tsOffset, now: now, config: configuration,
            out: &out)
        c.inConnectionTable = true
        slots[i] = c
        connections.insert(FourTuple(local: local, remote: remote), index: i)
        slots[l].pendingChildren += 1
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
}
