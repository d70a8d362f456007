import NIOCore
import SelfConnectGuard

extension SocketAddress {
    /// This address as the guard's plain value; nil for Unix domain sockets, which cannot self-connect.
    var selfConnectEndpoint: SocketEndpoint? {
        switch self {
        case .v4(let v4):
            let sin = v4.address
            return SocketEndpoint(.v4(UInt32(bigEndian: sin.sin_addr.s_addr)), UInt16(bigEndian: sin.sin_port))
        case .v6(let v6):
            let sin6 = v6.address
            let ip = withUnsafeBytes(of: sin6.sin6_addr) { SocketIP(ipv6Bytes: $0) }
            return SocketEndpoint(ip, UInt16(bigEndian: sin6.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }
}

extension Channel {
    /// The endpoint this channel is connected to when it is connected to itself (SelfConnectGuard's
    /// `isSelfConnection`, so `::ffff:127.0.0.1` equals `127.0.0.1`); nil otherwise.
    var selfConnectedEndpoint: SocketEndpoint? {
        guard let local = localAddress?.selfConnectEndpoint, let remote = remoteAddress?.selfConnectEndpoint,
              isSelfConnection(local, remote)
        else { return nil }
        return remote
    }
}
