/// POSIX-like errors from the socket API, named after their errno.
public enum SocketError: Error, Hashable, Sendable {
    /// ECONNREFUSED: the peer answered the SYN with a RST.
    case connectionRefused      // ECONNREFUSED
    /// ECONNRESET: the connection was reset.
    case connectionReset        // ECONNRESET
    /// ETIMEDOUT: retransmissions, probes or the user timeout gave up.
    case timedOut               // ETIMEDOUT
    /// EADDRINUSE: the local port is held and may not be shared.
    case addressInUse           // EADDRINUSE
    /// EADDRNOTAVAIL: the address is not this host's, or no ephemeral port is free.
    case addressNotAvailable    // EADDRNOTAVAIL
    /// EINVAL: the call makes no sense in the socket's state.
    case invalidArgument        // EINVAL
    /// ENOTCONN: the socket is not connected.
    case notConnected           // ENOTCONN
    /// EISCONN: the socket is already connected.
    case alreadyConnected       // EISCONN
    /// EALREADY: a connect() is already under way.
    case alreadyInProgress      // EALREADY
    /// EINPROGRESS: the connect() has started and will complete later.
    case inProgress             // EINPROGRESS
    /// EAGAIN: nothing to read or no room to write now.
    case wouldBlock             // EAGAIN
    /// EBADF: no open socket has this number.
    case badDescriptor          // EBADF
    /// EPIPE: writing after the send side was shut down.
    case brokenPipe             // EPIPE
    /// EOPNOTSUPP: the socket does not support the call.
    case operationNotSupported  // EOPNOTSUPP
    /// EHOSTUNREACH: an ICMP error said the peer cannot be reached.
    case hostUnreachable        // EHOSTUNREACH

    /// The errno name, as strace and packetdrill print it.
    public var errnoName: String {
        switch self {
        case .connectionRefused: "ECONNREFUSED"
        case .connectionReset: "ECONNRESET"
        case .timedOut: "ETIMEDOUT"
        case .addressInUse: "EADDRINUSE"
        case .addressNotAvailable: "EADDRNOTAVAIL"
        case .invalidArgument: "EINVAL"
        case .notConnected: "ENOTCONN"
        case .alreadyConnected: "EISCONN"
        case .alreadyInProgress: "EALREADY"
        case .inProgress: "EINPROGRESS"
        case .wouldBlock: "EAGAIN"
        case .badDescriptor: "EBADF"
        case .brokenPipe: "EPIPE"
        case .operationNotSupported: "EOPNOTSUPP"
        case .hostUnreachable: "EHOSTUNREACH"
        }
    }
}
