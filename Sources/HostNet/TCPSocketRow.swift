import SelfConnectGuard

/// A TCP state as the kernel numbers it (include/net/tcp_states.h).
public struct TCPSocketState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let established = Self(rawValue: 1)
    public static let synSent = Self(rawValue: 2)
    public static let synRecv = Self(rawValue: 3)
    public static let timeWait = Self(rawValue: 6)
    public static let listen = Self(rawValue: 10)

    private static let names = [
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
        "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ]

    /// The kernel's name, e.g. `ESTABLISHED`.
    public var description: String {
        Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "STATE_\(rawValue)"
    }
}

/// One TCP socket of the host, as sock_diag or /proc/net/tcp reports it.
public struct TCPSocketRow: Hashable, Sendable {
    public var local: SocketEndpoint
    public var remote: SocketEndpoint
    public var state: TCPSocketState
    public var uid: UInt32
    /// The socket's inode (`socket:[INODE]` in /proc/PID/fd); 0 for TIME_WAIT and request sockets, which no
    /// process owns.
    public var inode: UInt32

    public init(local: SocketEndpoint, remote: SocketEndpoint, state: TCPSocketState, uid: UInt32, inode: UInt32) {
        self.local = local
        self.remote = remote
        self.state = state
        self.uid = uid
        self.inode = inode
    }
}

/// Where a socket table came from.
public enum SocketTableSource: String, Sendable {
    case sockDiag = "sock_diag"
    case procNet = "proc"
}

extension TCPSocketState {
    public static let close = Self(rawValue: 7)
}
