#if canImport(Glibc)
import Glibc
#endif

/// What ``guardedConnect(_:to:policy:prevent:)`` does when a kernel-chosen source port turns out to be a self-connect.
public enum SelfConnectPolicy: Sendable, Equatable {
    /// Close the socket and throw ``SelfConnectError/connectedToSelf(_:_:)``. The default.
    case fail
    /// Close it and dial again on a fresh socket, at most `retries` more times (Go's `net` package redials twice),
    /// then throw ``SelfConnectError/connectedToSelf(_:_:)`` if every attempt connected to itself.
    case redial(retries: Int)
}

/// Connects `fd` to `destination` like `connect(2)`, and prevents or refuses a self-connect.
///
/// The function takes ownership of `fd`: it returns the connected descriptor (a fresh one after a redial) or throws
/// with `fd` already closed, so no path leaks a descriptor. The guard applies only when the kernel chooses the
/// source port (the socket was not bound to a port beforehand); a socket you bound to the destination's own
/// port on purpose is left alone. With `prevent` (the default), ``preventSelfConnect(_:to:)`` first narrows the
/// socket's source ports so that the kernel cannot pick the destination's port (Linux >= 6.3); the check after the
/// connect stays as the fallback for older kernels, and `policy` says what it does. `fd` must be a blocking stream socket of `destination.family`; for a non-blocking
/// socket, call ``isSelfConnected(fd:)`` once the connection completes instead. A redial opens a plain
/// `socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)`: options set on the original socket are not copied.
///
/// ```swift
/// let server = SocketEndpoint(numericHost: "127.0.0.1", port: 50000)!
/// let fd = socket(server.family, Int32(SOCK_STREAM.rawValue), 0)
/// do {
///     let connected = try guardedConnect(fd, to: server)            // or policy: .redial(retries: 2)
///     defer { close(connected) }
///     // ... use `connected`
/// } catch .connectedToSelf(let address, let port) {
///     print("refused a self-connect to \(address):\(port)")
/// } catch {
///     print("connect failed: \(error)")
/// }
/// ```
public func guardedConnect(
    _ fd: Int32, to destination: SocketEndpoint, policy: SelfConnectPolicy = .fail, prevent: Bool = true
) throws(SelfConnectError) -> Int32 {
    var current = fd
    var redials = 0
    while true {
        do throws(SelfConnectError) {
            let kernelChosePort = try localEndpoint(of: current).port == 0
            if prevent && kernelChosePort { try preventSelfConnect(current, to: destination) }
            let rc = destination.withSockaddr { Glibc.connect(current, $0, $1) }
            guard rc == 0 else { throw .system(call: "connect", errno: errno) }
            guard kernelChosePort, try isSelfConnected(fd: current) else { return current }
        } catch {
            close(current)
            throw error
        }
        close(current)
        guard case .redial(let retries) = policy, redials < retries else {
            throw .connectedToSelf(destination.address, destination.port)
        }
        redials += 1
        current = socket(destination.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard current >= 0 else { throw .system(call: "socket", errno: errno) }
    }
}
