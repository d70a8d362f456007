import TCPWire

/// What one host's engine has produced since the driver last drained it, plus the host-wide challenge-ACK budget.
struct EngineOutput {
    var packets: [IPPacket] = []
    var events: [SocketEvent] = []
    var transitions: [Transition] = []
    var tracing = true
    /// The interface's queue drops every packet before the wire and says so (a qdisc with no room, Linux
    /// `NET_XMIT_DROP` from `tcp_transmit_skb`): `Connection.emit` sends nothing and reports the failure.
    var transmitQueueDrops = false

    /// RFC 5961 §7 global challenge-ACK budget (Linux `tcp_challenge_ack_limit`): a count per one-second slot.
    private var challengeSlot: Int64 = -1
    private var challengeCount = 0

    mutating func takeChallengeAckToken(now: Instant, limitPerSecond: Int) -> Bool {
        let slot = now.nanoseconds / 1_000_000_000
        if slot != challengeSlot {
            challengeSlot = slot
            challengeCount = 0
        }
        guard challengeCount < limitPerSecond else { return false }
        challengeCount += 1
        return true
    }
}
