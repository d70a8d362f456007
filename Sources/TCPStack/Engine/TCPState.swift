/// The eleven connection states of RFC 9293 §3.3.2.
public enum TCPState: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The opening states: CLOSED, LISTEN, SYN-SENT, SYN-RECEIVED and ESTABLISHED.
    case closed, listen, synSent, synReceived, established
    /// The closing states: FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK and TIME-WAIT.
    case finWait1, finWait2, closeWait, closing, lastAck, timeWait

    /// The RFC's spelling, e.g. `SYN-RECEIVED`.
    public var rfcName: String {
        switch self {
        case .closed: "CLOSED"
        case .listen: "LISTEN"
        case .synSent: "SYN-SENT"
        case .synReceived: "SYN-RECEIVED"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN-WAIT-1"
        case .finWait2: "FIN-WAIT-2"
        case .closeWait: "CLOSE-WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST-ACK"
        case .timeWait: "TIME-WAIT"
        }
    }

    /// The name `ss` and `/proc/net/tcp` use, e.g. `SYN_RECV`.
    public var linuxName: String {
        switch self {
        case .closed: "CLOSE"
        case .listen: "LISTEN"
        case .synSent: "SYN_SENT"
        case .synReceived: "SYN_RECV"
        case .established: "ESTABLISHED"
        case .finWait1: "FIN_WAIT1"
        case .finWait2: "FIN_WAIT2"
        case .closeWait: "CLOSE_WAIT"
        case .closing: "CLOSING"
        case .lastAck: "LAST_ACK"
        case .timeWait: "TIME_WAIT"
        }
    }

    /// SYN-RECEIVED and later, where both sequence spaces are known (RFC 9293 §3.10.7.4).
    public var isSynchronized: Bool {
        switch self {
        case .closed, .listen, .synSent: false
        default: true
        }
    }

    /// The state's RFC 9293 name, e.g. `SYN-RECEIVED`.
    public var description: String { rfcName }
}
