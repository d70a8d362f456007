import TCPWire

/// What an ICMP or ICMPv6 error says about a segment we sent, as the transport sees it (RFC 1122 §3.2.2,
/// RFC 4443 §3). The IP layer's type/code pairs fold into these as FreeBSD's `icmp_input`/`icmp6_input` fold
/// them into `PRC_*` commands.
public enum ICMPErrorKind: Hashable, Sendable {
    /// Port unreachable (ICMP 3/3, ICMPv6 1/4).
    case portUnreachable
    /// Protocol unreachable (ICMP 3/2; ICMPv6 parameter problem 4/1, unrecognised next header).
    case protocolUnreachable
    /// Communication administratively prohibited (ICMP 3/9, 3/10, 3/13; ICMPv6 1/1).
    case administrativelyProhibited
    /// Time to live / hop limit exceeded in transit (ICMP 11/0, ICMPv6 3/0).
    case timeExceededInTransit
    /// Fragmentation needed / packet too big, with the next-hop MTU (ICMP 3/4, ICMPv6 2).
    case packetTooBig(mtu: Int)
    /// Any other destination unreachable (network, host, source route, unknown, isolated, TOS, precedence;
    /// ICMPv6 no route, beyond scope, address unreachable).
    case otherUnreachable
    /// Fragment reassembly time exceeded (ICMP 11/1, ICMPv6 3/1).
    case reassemblyTimeExceeded
    /// Parameter problem (ICMP 12, ICMPv6 4/0 and 4/2).
    case parameterProblem
    /// Source quench (ICMP 4; deprecated by RFC 6633).
    case sourceQuench
    /// Redirect (ICMP 5).
    case redirect
}

/// How a system's TCP answers ICMP errors; nil in a configuration: not modelled.
public struct ICMPPolicy: Hashable, Sendable {
    /// Hard errors (port or protocol unreachable, administratively prohibited, TTL exceeded in transit) abort a
    /// connection still in SYN-SENT (FreeBSD `net.inet.tcp.icmp_may_rst`, default 1: `tcp_drop_syn_sent`).
    public var hardErrorsAbortOpen: Bool

    /// A policy; `hardErrorsAbortOpen` as above.
    public init(hardErrorsAbortOpen: Bool) { self.hardErrorsAbortOpen = hardErrorsAbortOpen }
}

extension HostStack {
    /// An ICMP error arrived quoting a segment from `local` to `remote` whose sequence number is `sequence`.
    /// FreeBSD `tcp_ctlinput` / `tcp6_ctlinput`: only a quoted sequence number in [SND.UNA, SND.MAX) counts
    /// (RFC 5927 §4.1); a hard error then ends a SYN-SENT connection without a RST (`tcp_drop_syn_sent`), with
    /// ECONNREFUSED, or EHOSTUNREACH for TTL exceeded (`inetctlerrmap`). Every other error is soft (RFC 1122
    /// §4.2.3.9, RFC 5461): at most remembered (`t_softerror`), never reported by SO_ERROR; a message too big
    /// for a SYN is ignored (`tcp_ctlinput`: the MTU is not below `t_maxseg`). Returns whether it was modelled.
    @discardableResult
    public mutating func icmpErrorArrived(
        _ kind: ICMPErrorKind, local: Endpoint, remote: Endpoint, sequence: UInt32, now: Instant
    ) -> Bool {
        guard let policy = configuration.icmp else { return false }
        guard !connections.isEmpty, let i = connections.index(of: FourTuple(local: local, remote: remote), in: slots)
        else { return true }
        let c = slots[i]
        let seq = SeqNum(sequence)  // SND.NXT is FreeBSD's snd_max in SYN-SENT
        guard c.state == .synSent, policy.hardErrorsAbortOpen, c.sndUna <= seq, seq < c.sndNxt else { return true }
        let error: SocketError
        switch kind {
        case .portUnreachable, .protocolUnreachable, .administrativelyProhibited: error = .connectionRefused
        case .timeExceededInTransit: error = .hostUnreachable
        case .packetTooBig, .otherUnreachable, .reassemblyTimeExceeded, .parameterProblem, .sourceQuench, .redirect:
            return true
        }
        slots[i].pendingError = error
        slots[i].setState(.closed, cause: .icmp(kind), rfc: "RFC 1122 §4.2.3.9", linux: "tcp_drop (FreeBSD tcp_drop_syn_sent)",
            now: now, config: configuration, out: &out)
        out.events.append(error == .connectionRefused ? .refused(c.id) : .unreachable(c.id))
        connectionClosed(i)
        return true
    }
}
