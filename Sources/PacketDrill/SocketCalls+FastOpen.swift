import TCPStack
import TCPWire

/// TCP Fast Open writes, as far as the engine models them: the SYN that starts the connection, without data.
extension SocketCalls {
    /// Whether TCP_FASTOPEN_CONNECT deferred connect() on `fd` until the first write.
    public func isConnectDeferred(_ fd: Int) -> Bool {
        descriptors[fd].map { stack.isConnectDeferred($0.socket) } ?? false
    }

    /// The first write of a Fast Open connect whose data cannot be copied (a faulting buffer): sendto or sendmsg
    /// with MSG_FASTOPEN on an unconnected socket (connecting it to `remote`), or any write after a deferred
    /// connect. Linux `tcp_send_syn_data` then sends a SYN with a cookie request and the call fails: EINPROGRESS
    /// (`tcp_sendmsg_fastopen`), EOPNOTSUPP with the client side off, EISCONN on a socket already connecting.
    public mutating func fastOpenWriteFaults(_ fd: Int, to remote: Endpoint?, now: Instant) throws(SocketCallError) -> Never {
        let d = try descriptor(fd)
        do throws(SocketError) {
            try stack.fastOpenWriteFaults(d.socket, to: remote, now: now)
        } catch { throw SocketCallError(error) }
        throw .failed(.EFAULT)
    }
}
