#if canImport(Glibc)
import Glibc
#endif

/// Why a guarded socket operation failed.
public enum SelfConnectError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kernel picked the destination's own address and port as the source: the socket was connected to itself
    /// and has been closed.
    case connectedToSelf(SocketIP, UInt16)
    /// A system call failed; `errno` is its error number.
    case system(call: String, errno: Int32)
    /// The socket is not IPv4 or IPv6.
    case unsupportedFamily(Int32)

    /// One line for logs: the self-connected endpoint, the failed call with `strerror`'s text, or the family.
    public var description: String {
        switch self {
        case .connectedToSelf(let address, let port):
            return "connected to itself on \(SocketEndpoint(address, port)) (self-connect); the socket was closed"
        case .system(let call, let code):
            return "\(call): \(String(cString: strerror(code)))"
        case .unsupportedFamily(let family):
            return "address family \(family) is not IPv4 or IPv6"
        }
    }
}

/// True when a connection's two ends are the same endpoint, the signature of a TCP self-connect.
///
/// A v4-mapped IPv6 address equals its IPv4 form. This is the pure check behind ``isSelfConnected(fd:)``; use it
/// wherever you already hold the addresses (a SwiftNIO channel's `localAddress` and `remoteAddress`, an audit row):
///
/// ```swift
/// let local = SocketEndpoint(numericHost: "::ffff:127.0.0.1", port: 50000)!
/// let remote = SocketEndpoint(numericHost: "127.0.0.1", port: 50000)!
/// isSelfConnection(local, remote)   // true
/// ```
public func isSelfConnection(_ local: SocketEndpoint, _ remote: SocketEndpoint) -> Bool {
    local.port == remote.port && local.address.canonical == remote.address.canonical
}

/// True when the connected socket `fd` is connected to itself (`getsockname` equals `getpeername`).
///
/// ```swift
/// if try isSelfConnected(fd: fd) { close(fd) }
/// ```
///
/// Throws ``SelfConnectError/system(call:errno:)`` when the socket is not connected (`ENOTCONN`) or not a socket.
public func isSelfConnected(fd: Int32) throws(SelfConnectError) -> Bool {
    let local = try localEndpoint(of: fd)
    let remote = try peerEndpoint(of: fd)
    return isSelfConnection(local, remote)
}

/// The local endpoint of a socket (`getsockname`).
public func localEndpoint(of fd: Int32) throws(SelfConnectError) -> SocketEndpoint {
    try endpoint(of: fd, call: "getsockname", getsockname)
}

/// The remote endpoint of a connected socket (`getpeername`).
public func peerEndpoint(of fd: Int32) throws(SelfConnectError) -> SocketEndpoint {
    try endpoint(of: fd, call: "getpeername", getpeername)
}

private func endpoint(
    of fd: Int32, call: String,
    _ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
) throws(SelfConnectError) -> SocketEndpoint {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let rc = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &length) }
    }
    guard rc == 0 else { throw .system(call: call, errno: errno) }
    guard let endpoint = SocketEndpoint(storage) else { throw .unsupportedFamily(Int32(storage.ss_family)) }
    return endpoint
}
