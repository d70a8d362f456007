/// POSIX-like errors from the socket API, named after their errno.
public enum SocketError: Error, Hashable, Sendable {
    case connectionRefused      // ECONNREFUSED
    case connectionReset        // ECONNRESET
    case timedOut               // ETIMEDOUT
    case addressInUse           // EADDRINUSE
    case addressNotAvailable    // EADDRNOTAVAIL
    case invalidArgument        // EINVAL
    case notConnected           // ENOTCONN
    case alreadyConnected       // EISCONN
    case alreadyInProgress      // EALREADY
    case inProgress             // EINPROGRESS
    case wouldBlock             // EAGAIN
    case badDescriptor          // EBADF
    case brokenPipe             // EPIPE
    case operationNotSupported  // EOPNOTSUPP

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
        }
    }
}
