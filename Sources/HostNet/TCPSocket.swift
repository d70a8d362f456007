#if canImport(Glibc)
import Glibc
#endif
import SelfConnectGuard

/// `IP_LOCAL_PORT_RANGE` (IPPROTO_IP option 51, Linux >= 6.3): a per-socket ephemeral range, `(hi << 16) | lo`.
let ipLocalPortRangeOption: Int32 = 51

/// A TCP socket that owns its descriptor: the descriptor is closed when the value goes away, on every path.
public struct TCPSocket: ~Copyable {
    public let fd: Int32

    /// Opens a blocking, close-on-exec TCP socket of `family` (`AF_INET` or `AF_INET6`).
    public init(family: Int32) throws(HostNetError) {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Gives the descriptor to the caller, who must close it.
    public consuming func release() -> Int32 {
        let fd = self.fd
        discard self
        return fd
    }

    /// Restricts the kernel's source-port choice for this socket to `range` (Linux >= 6.3).
    public func setLocalPortRange(_ range: ClosedRange<UInt16>) throws(HostNetError) {
        var value = UInt32(range.upperBound) << 16 | UInt32(range.lowerBound)
        guard setsockopt(fd, Int32(IPPROTO_IP), ipLocalPortRangeOption, &value, socklen_t(MemoryLayout<UInt32>.size)) == 0
        else { throw .system(call: "setsockopt(IP_LOCAL_PORT_RANGE)", errno: errno) }
    }

    public func setReuseAddress() throws(HostNetError) {
        var one: Int32 = 1
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0
        else { throw .system(call: "setsockopt(SO_REUSEADDR)", errno: errno) }
    }

    /// Bounds blocking reads so an echo that never comes cannot hang us.
    public func setReceiveTimeout(milliseconds: Int) throws(HostNetError) {
        var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0
        else { throw .system(call: "setsockopt(SO_RCVTIMEO)", errno: errno) }
    }

    public func bind(_ endpoint: SocketEndpoint) throws(HostNetError) {
        guard endpoint.withSockaddr({ Glibc.bind(fd, $0, $1) }) == 0 else { throw .system(call: "bind", errno: errno) }
    }

    public func listen(backlog: Int32 = 128) throws(HostNetError) {
        guard Glibc.listen(fd, backlog) == 0 else { throw .system(call: "listen", errno: errno) }
    }

    /// connect(2); returns 0 on success or the errno, so a retry loop pays nothing for a refusal.
    public func connect(_ endpoint: SocketEndpoint) -> Int32 {
        endpoint.withSockaddr { Glibc.connect(fd, $0, $1) } == 0 ? 0 : errno
    }

    /// connect(2) to an address built once, for hot loops.
    func connect(_ address: borrowing RawSocketAddress) -> Int32 {
        address.withSockaddr { Glibc.connect(fd, $0, $1) } == 0 ? 0 : errno
    }

    /// The local port (getsockname), without building an endpoint value; nil if the call fails.
    func localPort() -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port share offset 2.
        return rc == 0 ? withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) } : nil
    }

    public func localEndpoint() throws(HostNetError) -> SocketEndpoint {
        do { return try SelfConnectGuard.localEndpoint(of: fd) } catch { throw HostNetError(error) }
    }

    public func peerEndpoint() throws(HostNetError) -> SocketEndpoint {
        do { return try SelfConnectGuard.peerEndpoint(of: fd) } catch { throw HostNetError(error) }
    }

    public func isSelfConnected() throws(HostNetError) -> Bool {
        do { return try SelfConnectGuard.isSelfConnected(fd: fd) } catch { throw HostNetError(error) }
    }

    /// Writes all of `bytes`.
    public func writeAll(_ bytes: [UInt8]) throws(HostNetError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .system(call: "send", errno: errno) }
            sent += n
        }
    }

    /// Reads exactly `count` bytes, or fewer if the peer closes; the receive timeout bounds the wait.
    public func read(count: Int) throws(HostNetError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, $0.count - got, 0) }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { break }
            guard n > 0 else { throw .system(call: "recv", errno: errno) }
            got += n
        }
        return Array(buffer[0..<got])
    }
}

/// A socket address laid out once as a `sockaddr_storage`.
struct RawSocketAddress {
    private var storage = sockaddr_storage()
    private let length: socklen_t

    init(_ endpoint: SocketEndpoint) {
        var storage = sockaddr_storage()
        length = endpoint.withSockaddr { address, length in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length))) }
            return length
        }
        self.storage = storage
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }
}

extension HostNetError {
    init(_ error: SelfConnectError) {
        switch error {
        case .system(let call, let code): self = .system(call: call, errno: code)
        default: self = .unsupported(error.description)
        }
    }
}
