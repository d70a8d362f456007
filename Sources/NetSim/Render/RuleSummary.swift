import TCPStack

/// Our own one-line summary of the rule behind a transition, for the explainer page (the RFC section and the
/// Linux function come with the transition itself, as `--explain` prints them).
enum RuleSummary {
    static func of(_ t: TransitionRecord) -> String {
        let linux = t.linux
        if t.from == t.to {
            if linux.contains("tcp_simult_connect") {
                return "Crossing SYNs are not allowed here (tcp_simult_connect=0): the SYN is dropped, nothing is "
                    + "sent, and our own SYN's retransmission timer keeps running."
            }
            if linux.contains("challenge") {
                return "A SYN in a synchronized state is not acted on (RFC 5961 §4): answer with a challenge ACK "
                    + "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and stay."
            }
            if linux.contains("dupack") || t.rfc.contains("3.10.7.4") {
                return "The segment fails the sequence-number check (its SYN lies before RCV.NXT): send an ACK "
                    + "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and drop it."
            }
            return "The segment is answered without a change of state."
        }
        switch (t.from, t.to) {
        case (.closed, .synSent):
            return "Active OPEN: choose the ISS, send <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS+1."
        case (.synSent, .closed) where t.cause.hasPrefix("rcv"):
            return "A RST that acknowledges our SYN: the connection is refused (ECONNREFUSED); the TCB is deleted."
        case (.synSent, .closed):
            return "The SYN went unanswered through every retransmission: connect() fails with ETIMEDOUT."
        case (.synSent, .synReceived):
            return "A SYN without ACK in SYN-SENT (a simultaneous open): IRS = SEG.SEQ, RCV.NXT = IRS+1, send "
                + "<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and wait for the ACK of our SYN."
        case (.synSent, .established):
            return "A SYN,ACK that acknowledges our SYN: IRS = SEG.SEQ, SND.UNA = SEG.ACK, send <ACK>, ESTABLISHED."
        case (.synReceived, .established):
            return "An acceptable ACK of our SYN in SYN-RECEIVED (SND.UNA < SEG.ACK =< SND.NXT): ESTABLISHED."
        case (.listen, .synReceived):
            return "A SYN for a listener: a new TCB, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>."
        case (.closed, .listen):
            return "Passive OPEN: wait for a SYN."
        case (_, .finWait1):
            return "CLOSE: send FIN after the queued data, go to FIN-WAIT-1."
        case (.finWait1, .finWait2):
            return "Our FIN is acknowledged: wait for the peer's FIN."
        case (.finWait1, .closing):
            return "A FIN arrives before our FIN is acknowledged (simultaneous close): ACK it, go to CLOSING."
        case (_, .timeWait):
            return "Both FINs are acknowledged: wait 2 MSL in TIME-WAIT so late segments die out."
        case (.established, .closeWait):
            return "The peer's FIN: ACK it; reads now return end of file."
        case (.closeWait, .lastAck):
            return "CLOSE after the peer's FIN: send our FIN, wait for its ACK."
        case (.lastAck, .closed):
            return "Our FIN is acknowledged: delete the TCB."
        case (.timeWait, .closed):
            return "The 2 MSL timer expired: delete the TCB."
        case (_, .closed) where t.cause.hasPrefix("rcv RST"):
            return "An acceptable RST: the connection is reset; delete the TCB."
        default:
            return "\(t.from.rfcName) to \(t.to.rfcName) on \(t.cause)."
        }
    }
}
