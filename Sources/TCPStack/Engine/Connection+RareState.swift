/// Keep-alive settings, the user timeout, the persist timer, the challenge-ACK rate limit and Linux's send-queue marks: state most connections never leave at its
/// default, kept out of line so it costs an idle connection one pointer. It is allocated by the first write that
/// changes it (SO_KEEPALIVE, TCP_KEEP*, TCP_USER_TIMEOUT, a zero window with data waiting, a challenge ACK), never by socket(),
/// connect() or a segment that leaves it as it was; copies share it until one of them writes (copy on write).
final class RareState: @unchecked Sendable {
    // Mutated only through `Connection.writableRareState()`, which copies a shared box first.
    var keepalive = KeepaliveSettings()
    var userTimeout = UserTimeout(timeout: nil)
    var persist = PersistTimer.engineDefault
    var lastChallengeAck = OptionalInstant()
    var sendMarks = SendMarks()
    var sendLimits = SendLimits()
    /// SND.NXT when ECN last reduced cwnd (Linux `high_seq` of `tcp_init_cwnd_reduction`); nil before.
    var cwrEnd: UInt32?
    /// SND.NXT when the last tail loss probe went out (Linux `tlp_high_seq`); nil: none outstanding.
    var lossProbeHighSeq: UInt32?
    var reporting = SocketReporting()
    /// Linux `tp->urg_seq` while `urg_data` is set: the urgent byte, out of the stream (Connection+Urgent.swift).
    var urgentMark: SeqNum?
    /// IP_FREEBIND: bind() accepts an address this host does not have.
    var freeBind = false
    /// TCP Fast Open on the client side (HostStack+FastOpen.swift).
    var fastOpen = FastOpenClient()
    /// IP_BIND_ADDRESS_NO_PORT and IP_LOCAL_PORT_RANGE (HostStack+LocalPorts.swift).
    var localPorts = LocalPortOptions()
    /// RACK loss detection and PRR of a Linux SACK sender (RACK.swift, Connection+RACK.swift).
    var rack: RACKState?
    /// IP_TTL / IP_TOS and their IPv6 twins (Connection+IPHeader.swift).
    var ipHeader = IPHeaderOptions()
    /// FreeBSD TCP_NOOPT: no TCP options in any segment.
    var noOptions = false
    /// FreeBSD TCP_KEEPINIT in seconds; 0: the configuration's `connectTimeout`.
    var connectTimeoutSeconds: UInt16 = 0

    init() {}

    init(copying other: RareState) {
        keepalive = other.keepalive
        userTimeout = other.userTimeout
        persist = other.persist
        lastChallengeAck = other.lastChallengeAck
        sendMarks = other.sendMarks
        sendLimits = other.sendLimits
        cwrEnd = other.cwrEnd
        lossProbeHighSeq = other.lossProbeHighSeq
        reporting = other.reporting
        urgentMark = other.urgentMark
        freeBind = other.freeBind
        fastOpen = other.fastOpen
        localPorts = other.localPorts
        rack = other.rack
        ipHeader = other.ipHeader
        noOptions = other.noOptions
        connectTimeoutSeconds = other.connectTimeoutSeconds
    }
}

extension Connection {
    // Without a box, a write that leaves the default value (the resets on the connect and close paths) is
    // dropped; inlined, the compiler folds the default's compares away. (`_modify` accessors would mutate the box in place, but their coroutine
    // frames cost a malloc per access when not inlined.)

    /// SO_KEEPALIVE, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT and the keep-alive timer (Connection+Keepalive.swift).
    var keepalive: KeepaliveSettings {
        @inline(__always) get { rareState?.keepalive ?? KeepaliveSettings() }
        @inline(__always) set {
            guard rareState != nil || !newValue.isDefault else { return }
            writableRareState().keepalive = newValue
        }
    }

    /// TCP_USER_TIMEOUT and its clock (RFC 9293 §3.8.6.4).
    var userTimeout: UserTimeout {
        @inline(__always) get { rareState?.userTimeout ?? UserTimeout(timeout: nil) }
        @inline(__always) set {
            guard rareState != nil || !newValue.isDefault else { return }
            writableRareState().userTimeout = newValue
        }
    }

    /// Zero-window probing (Connection+Persist.swift); configured when it starts.
    var persist: PersistTimer {
        @inline(__always) get { rareState?.persist ?? PersistTimer.engineDefault }
        @inline(__always) set {
            guard rareState != nil || newValue != PersistTimer.engineDefault else { return }
            writableRareState().persist = newValue
        }
    }

    /// When the last challenge ACK went out (RFC 5961 §7 rate limit).
    var lastChallengeAck: Instant? {
        @inline(__always) get { rareState?.lastChallengeAck.value }
        @inline(__always) set {
            guard rareState != nil || newValue != nil else { return }
            writableRareState().lastChallengeAck.value = newValue
        }
    }

    /// Record ends, MSG_MORE, TCP_CORK, TCP_NOTSENT_LOWAT (Connection+SendMarks.swift).
    var sendMarks: SendMarks {
        @inline(__always) get { rareState?.sendMarks ?? SendMarks() }
        @inline(__always) set {
            guard rareState != nil || !newValue.isDefault else { return }
            writableRareState().sendMarks = newValue
        }
    }

    /// Receive-window and send-buffer limited time, and SOCK_NOSPACE (Connection+Chrono.swift).
    var sendLimits: SendLimits {
        @inline(__always) get { rareState?.sendLimits ?? SendLimits() }
        @inline(__always) set {
            guard rareState != nil || newValue != SendLimits() else { return }
            writableRareState().sendLimits = newValue
        }
    }

    /// Where the last ECN congestion-window reduction ends (ECN.swift).
    var cwrEnd: UInt32? {
        get { rareState?.cwrEnd }
        set {
            guard rareState != nil || newValue != nil else { return }
            writableRareState().cwrEnd = newValue
        }
    }

    /// The outstanding tail loss probe's SND.NXT (Connection+LossProbe.swift).
    var lossProbeHighSeq: UInt32? {
        get { rareState?.lossProbeHighSeq }
        set {
            guard rareState != nil || newValue != nil else { return }
            writableRareState().lossProbeHighSeq = newValue
        }
    }

    /// TCP_INQ, SO_TIMESTAMPING, SO_ZEROCOPY and the error queue (SocketReporting.swift).
    var reporting: SocketReporting {
        @inline(__always) get { rareState?.reporting ?? SocketReporting() }
        @inline(__always) set {
            guard rareState != nil || !newValue.isDefault else { return }
            writableRareState().reporting = newValue
        }
    }

    /// The urgent byte's sequence number while it waits in the stream (Connection+Urgent.swift).
    var urgentMark: SeqNum? {
        @inline(__always) get { rareState?.urgentMark }
        @inline(__always) set {
            guard rareState != nil || newValue != nil else { return }
            writableRareState().urgentMark = newValue
        }
    }

    /// IP_TTL/IP_TOS: the socket's IP header options (in the rare state: most sockets keep the defaults).
    var ipHeader: IPHeaderOptions {
        @inline(__always) get { rareState?.ipHeader ?? IPHeaderOptions() }
        @inline(__always) set {
            guard rareState != nil || !newValue.isDefault else { return }
            writableRareState().ipHeader = newValue
        }
    }

    /// FreeBSD TCP_KEEPINIT (Connection+Keepalive.swift `connectTimeout`).
    var connectTimeoutSeconds: UInt16 {
        @inline(__always) get { rareState?.connectTimeoutSeconds ?? 0 }
        @inline(__always) set {
            guard rareState != nil || newValue != 0 else { return }
            writableRareState().connectTimeoutSeconds = newValue
        }
    }

    /// FreeBSD TCP_NOOPT (`TF_NOOPT`).
    var noOptions: Bool {
        @inline(__always) get { rareState?.noOptions ?? false }
        @inline(__always) set {
            guard rareState != nil || newValue else { return }
            writableRareState().noOptions = newValue
        }
    }

    /// IP_FREEBIND (Linux `inet_addr_valid_or_nonlocal`).
    var freeBind: Bool {
        @inline(__always) get { rareState?.freeBind ?? false }
        @inline(__always) set {
            guard rareState != nil || newValue else { return }
            writableRareState().freeBind = newValue
        }
    }

    /// TCP_FASTOPEN_CONNECT, the cookie request of our SYN and a deferred connect (HostStack+FastOpen.swift).
    var fastOpen: FastOpenClient {
        @inline(__always) get { rareState?.fastOpen ?? FastOpenClient() }
        @inline(__always) set {
            guard rareState != nil || newValue != FastOpenClient() else { return }
            writableRareState().fastOpen = newValue
        }
    }

    /// IP_BIND_ADDRESS_NO_PORT and IP_LOCAL_PORT_RANGE (HostStack+LocalPorts.swift).
    var localPorts: LocalPortOptions {
        @inline(__always) get { rareState?.localPorts ?? LocalPortOptions() }
        @inline(__always) set {
            guard rareState != nil || newValue != LocalPortOptions() else { return }
            writableRareState().localPorts = newValue
        }
    }

    /// RACK and PRR state (Connection+RACK.swift); nil until a Linux SACK connection sends data.
    var rack: RACKState? { rareState?.rack }

    /// Whether the retransmission timer is armed as RACK's reordering timer.
    var reorderTimerArmed: Bool { rareState?.rack?.reorderTimerArmed ?? false }

    /// Runs `body` on the RACK state in place, creating it first (with the minimum RTT seen so far).
    mutating func withRACK<T>(_ body: (inout RACKState) -> T) -> T {
        let box = writableRareState()
        if box.rack == nil {
            var state = RACKState(mss: sendMSS)
            if let minRTT = rtt.minimumRTT { state.noteRTT(minRTT.nanosecondsValue) }
            box.rack = state
        }
        return body(&box.rack!)
    }

    /// The box, allocated or unshared first.
    @inline(never)
    private mutating func writableRareState() -> RareState {
        guard rareState != nil else {
            let box = RareState()
            rareState = box
            return box
        }
        if !isKnownUniquelyReferenced(&rareState) { rareState = RareState(copying: rareState!) }
        return rareState!
    }
}
