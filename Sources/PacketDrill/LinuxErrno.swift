import TCPStack

/// The errno values the socket calls return, numbered as Linux numbers them (asm-generic/errno-base.h and
/// errno.h), so the layer needs no C library and the plugin hands them to C unchanged.
public enum LinuxErrno: Int32, Error, Hashable, Sendable, CaseIterable {
    /// No such file or directory (an unknown congestion control name).
    case ENOENT = 2
    /// Bad file descriptor.
    case EBADF = 9
    /// Try again: the call would block.
    case EAGAIN = 11
    /// Bad address.
    case EFAULT = 14
    /// File exists.
    case EEXIST = 17
    /// Invalid argument.
    case EINVAL = 22
    /// Illegal seek.
    case ESPIPE = 29
    /// Broken pipe.
    case EPIPE = 32
    /// Function not implemented.
    case ENOSYS = 38
    /// Message too long.
    case EMSGSIZE = 90
    /// Protocol not available: an option the socket does not have.
    case ENOPROTOOPT = 92
    /// Protocol not supported: socket() for a protocol the type does not carry.
    case EPROTONOSUPPORT = 93
    /// Operation not supported.
    case EOPNOTSUPP = 95
    /// Address family not supported by protocol.
    case EAFNOSUPPORT = 97
    /// Address already in use.
    case EADDRINUSE = 98
    /// Cannot assign requested address.
    case EADDRNOTAVAIL = 99
    /// Connection reset by peer.
    case ECONNRESET = 104
    /// Transport endpoint is already connected.
    case EISCONN = 106
    /// Transport endpoint is not connected.
    case ENOTCONN = 107
    /// Connection timed out.
    case ETIMEDOUT = 110
    /// Connection refused.
    case ECONNREFUSED = 111
    /// No route to host.
    case EHOSTUNREACH = 113
    /// Operation already in progress.
    case EALREADY = 114
    /// Operation now in progress.
    case EINPROGRESS = 115

    /// The name, as strace and packetdrill print it (`ECONNREFUSED`).
    public var name: String { "\(self)" }

    /// The errno the engine's error stands for.
    public init(_ error: SocketError) {
        switch error {
        case .connectionRefused: self = .ECONNREFUSED
        case .connectionReset: self = .ECONNRESET
        case .timedOut: self = .ETIMEDOUT
        case .addressInUse: self = .EADDRINUSE
        case .addressNotAvailable: self = .EADDRNOTAVAIL
        case .invalidArgument: self = .EINVAL
        case .notConnected: self = .ENOTCONN
        case .alreadyConnected: self = .EISCONN
        case .alreadyInProgress: self = .EALREADY
        case .inProgress: self = .EINPROGRESS
        case .wouldBlock: self = .EAGAIN
        case .badDescriptor: self = .EBADF
        case .brokenPipe: self = .EPIPE
        case .operationNotSupported: self = .EOPNOTSUPP
        case .hostUnreachable: self = .EHOSTUNREACH
        }
    }
}

/// Why a socket call of ``SocketCalls`` did not return a value.
public enum SocketCallError: Error, Hashable, Sendable {
    /// The call fails with this errno.
    case failed(LinuxErrno)
    /// The call cannot complete now. A non-blocking descriptor reports it (EAGAIN, or EINPROGRESS for connect); a
    /// blocking one waits, and how it waits is the caller's: the script runner on its virtual clock, the plugin on
    /// packetdrill's threads.
    case wouldBlock

    /// The engine's error as a call's: its `wouldBlock` is ``wouldBlock``, the rest are errnos.
    public init(_ error: SocketError) {
        self = error == .wouldBlock ? .wouldBlock : .failed(LinuxErrno(error))
    }
}
