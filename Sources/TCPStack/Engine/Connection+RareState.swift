/// Keep-alive settings, the user timeout, the persist timer and the challenge-ACK rate limit: state most connections never leave at its
/// default, kept out of line so it costs an idle connection one pointer. It is allocated by the first write that
/// changes it (SO_KEEPALIVE, TCP_KEEP*, TCP_USER_TIMEOUT, a zero window with data waiting, a challenge ACK), never by socket(),
/// connect() or a segment that leaves it as it was; copies share it until one of them writes (copy on write).
final class RareState: @unchecked Sendable {
    // Mutated only through `Connection.writableRareState()`, which copies a shared box first.
    var keepalive = KeepaliveSettings()
    var userTimeout = UserTimeout(timeout: nil)
    var persist = PersistTimer.engineDefault
    var lastChallengeAck = OptionalInstant()

    init() {}

    init(copying other: RareState) {
        keepalive = other.keepalive
        userTimeout = other.userTimeout
        persist = other.persist
        lastChallengeAck = other.lastChallengeAck
    }
}

extension Connection {
    // Each accessor mutates the box in place when there is one; without one it mutates a default value and
    // allocates only if that changed it, so resets on the connect and close paths stay cheap and allocation-free.

    /// SO_KEEPALIVE, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT and the keep-alive timer (Connection+Keepalive.swift).
    var keepalive: KeepaliveSettings {
        get { rareState?.keepalive ?? KeepaliveSettings() }
        _modify {
            if rareState != nil {
                let box = writableRareState()
                yield &box.keepalive
            } else {
                var value = KeepaliveSettings()
                yield &value
                if value != KeepaliveSettings() { writableRareState().keepalive = value }
            }
        }
    }

    /// TCP_USER_TIMEOUT and its clock (RFC 9293 §3.8.6.4).
    var userTimeout: UserTimeout {
        get { rareState?.userTimeout ?? UserTimeout(timeout: nil) }
        _modify {
            if rareState != nil {
                let box = writableRareState()
                yield &box.userTimeout
            } else {
                var value = UserTimeout(timeout: nil)
                yield &value
                if value != UserTimeout(timeout: nil) { writableRareState().userTimeout = value }
            }
        }
    }

    /// Zero-window probing (Connection+Persist.swift); configured when it starts.
    var persist: PersistTimer {
        get { rareState?.persist ?? PersistTimer.engineDefault }
        _modify {
            if rareState != nil {
                let box = writableRareState()
                yield &box.persist
            } else {
                var value = PersistTimer.engineDefault
                yield &value
                if value != PersistTimer.engineDefault { writableRareState().persist = value }
            }
        }
    }

    /// When the last challenge ACK went out (RFC 5961 §7 rate limit).
    var lastChallengeAck: Instant? {
        get { rareState?.lastChallengeAck.value }
        set {
            guard rareState != nil || newValue != nil else { return }
            writableRareState().lastChallengeAck.value = newValue
        }
    }

    /// The box, allocated or unshared first.
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
