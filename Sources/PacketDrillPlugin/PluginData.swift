import CPacketDrillABI
import Glibc
import PacketDrill
import TCPStack
import TCPWire

/// The data calls: read/recv/recvfrom and write/send/sendto with their flags, readv/writev (the same calls of the
/// shared layer on gathered and scattered buffers), and ioctl's queue sizes.
extension PluginEntries {
    /// The recv flags the engine models: MSG_PEEK and MSG_DONTWAIT.
    static let receiveFlags = Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)
    /// The send flags it models: MSG_DONTWAIT, MSG_MORE, MSG_EOR, and MSG_NOSIGNAL (there are no signals here).
    static let sendFlags = Int32(MSG_DONTWAIT) | Int32(MSG_MORE) | Int32(MSG_EOR)
        | Int32(MSG_NOSIGNAL) | zerocopyFlag
    /// MSG_ZEROCOPY (uapi socket.h), alone or with MSG_DONTWAIT / MSG_NOSIGNAL.
    static let zerocopyFlag: Int32 = 0x400_0000

    /// Receives up to `count` bytes into `buffer`, blocking unless the descriptor or MSG_DONTWAIT says not to.
    static func receiveBytes(_ host: PluginHost, _ fd: Int32, _ count: Int, _ flags: Int32) -> (CallOutcome, [UInt8]) {
        guard flags & ~receiveFlags == 0 else { return (.failure(EOPNOTSUPP), []) }
        let peek = flags & Int32(MSG_PEEK) != 0
        var bytes: [UInt8] = []
        let once = { () -> CallOutcome? in
            attempt { () throws(SocketCallError) in
                bytes = try host.calls.receive(Int(fd), maxBytes: count, peek: peek, now: host.instant)
                return bytes.count
            }
        }
        let result = flags & Int32(MSG_DONTWAIT) != 0 ? once() : host.blocking(fd, once)
        return (result ?? .failure(EAGAIN), bytes)
    }

    /// Sends `bytes`, blocking unless the descriptor or MSG_DONTWAIT says not to.
    static func sendBytes(_ host: PluginHost, _ fd: Int32, _ bytes: [UInt8], _ flags: Int32) -> CallOutcome {
        guard flags & ~sendFlags == 0 else { return .failure(EOPNOTSUPP) }
        var engineFlags: SendFlags = []
        if flags & Int32(MSG_MORE) != 0 { engineFlags.insert(.more) }
        if flags & Int32(MSG_EOR) != 0 { engineFlags.insert(.endOfRecord) }
        let zerocopy = flags & zerocopyFlag != 0
        guard !zerocopy || engineFlags.isEmpty else { return .failure(EOPNOTSUPP) }
        let once = { () -> CallOutcome? in
            attempt { () throws(SocketCallError) in
                zerocopy ? try host.calls.sendZerocopy(Int(fd), bytes, now: host.instant)
                    : try host.calls.send(Int(fd), bytes, flags: engineFlags, now: host.instant)
            }
        }
        let result = flags & Int32(MSG_DONTWAIT) != 0 ? once() : host.blocking(fd, once)
        return result ?? .failure(EAGAIN)
    }

    static func receive(_ context: UnsafeMutableRawPointer?, _ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int, _ flags: Int32) -> Int {
        call(context) { host in
            let (result, bytes) = receiveBytes(host, fd, count, flags)
            if let buffer, !bytes.isEmpty {
                bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            }
            return result
        }
    }

    /// MSG_FASTOPEN (uapi socket.h).
    static let fastOpenFlag: Int32 = 0x2000_0000

    /// A write that starts a Fast Open connect (MSG_FASTOPEN, or any write after TCP_FASTOPEN_CONNECT deferred the
    /// connect), through the shared layer. The engine models the SYN without data, which is what Linux sends when
    /// the buffer faults; data in the SYN is not modelled (EOPNOTSUPP).
    static func fastOpenWrite(_ host: PluginHost, _ fd: Int32, faults: Bool, _ flags: Int32, to remote: Endpoint?) -> CallOutcome {
        guard flags & ~(fastOpenFlag | Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) == 0, faults else {
            return .failure(EOPNOTSUPP)
        }
        let to = flags & fastOpenFlag != 0 ? remote : nil
        return attempt { () throws(SocketCallError) in
            try host.calls.fastOpenWriteFaults(Int(fd), to: to, now: host.instant)
        } ?? .failure(EAGAIN)
    }

    static func send(
        _ context: UnsafeMutableRawPointer?, _ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32,
        to remote: Endpoint? = nil
    ) -> Int {
        call(context) { host in
            if flags & fastOpenFlag != 0 || host.calls.isConnectDeferred(Int(fd)) {
                return fastOpenWrite(host, fd, faults: buffer == nil && count > 0, flags, to: remote)
            }
            let bytes = buffer.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [UInt8](repeating: 0, count: count)
            return sendBytes(host, fd, bytes, flags)
        }
    }

    /// The iovec array, or the errno Linux gives it: EINVAL for a count out of 0...UIO_MAXIOV, EFAULT for a missing
    /// array or a missing buffer with a length.
    static func vectors(_ vector: UnsafePointer<iovec>?, _ count: Int32) -> Result<UnsafeBufferPointer<iovec>, LinuxErrno> {
        guard count >= 0, count <= 1024 else { return .failure(.EINVAL) }
        guard count == 0 || vector != nil else { return .failure(.EFAULT) }
        let iov = UnsafeBufferPointer(start: vector, count: Int(count))
        guard iov.allSatisfy({ $0.iov_base != nil || $0.iov_len == 0 }) else { return .failure(.EFAULT) }
        return .success(iov)
    }

    static func fillVectors(_ table: UnsafeMutablePointer<selfconnect_pd_table>) {
        table.pointee.sock_recvfrom = { context, fd, buffer, count, flags, _, length in
            // A connected TCP socket names no sender (Linux tcp_recvmsg leaves msg_name empty).
            length?.pointee = 0
            return PluginEntries.receive(context, fd, buffer, count, flags)
        }
        table.pointee.sock_sendto = { context, fd, buffer, count, flags, address, length in
            // TCP ignores the address on a connected socket; MSG_FASTOPEN connects to it.
            PluginEntries.send(context, fd, buffer, count, flags, to: PluginEntries.endpoint(address, length))
        }
        table.pointee.sock_writev = { context, fd, vector, count in
            PluginEntries.call(context) { host in
                let iov: UnsafeBufferPointer<iovec>
                switch PluginEntries.vectors(vector, count) {
                case .success(let v): iov = v
                case .failure(let e): return .failure(e.rawValue)
                }
                let bytes = iov.flatMap { v in
                    v.iov_base.map { Array(UnsafeRawBufferPointer(start: $0, count: v.iov_len)) } ?? []
                }
                return PluginEntries.sendBytes(host, fd, bytes, 0)
            }
        }
        table.pointee.sock_readv = { context, fd, vector, count in
            PluginEntries.call(context) { host in
                let iov: UnsafeBufferPointer<iovec>
                switch PluginEntries.vectors(vector, count) {
                case .success(let v): iov = v
                case .failure(let e): return .failure(e.rawValue)
                }
                let (result, bytes) = PluginEntries.receiveBytes(host, fd, iov.reduce(0) { $0 + $1.iov_len }, 0)
                var offset = 0
                for v in iov where offset < bytes.count && v.iov_len > 0 {
                    let n = min(v.iov_len, bytes.count - offset)
                    bytes[offset..<(offset + n)].withUnsafeBytes { v.iov_base!.copyMemory(from: $0.baseAddress!, byteCount: n) }
                    offset += n
                }
                return result
            }
        }
    }

    /// ioctl with its argument made explicit by the C trampoline: SIOCINQ / FIONREAD and SIOCOUTQ into an int.
    static func ioctl(_ hostPointer: UnsafeMutableRawPointer?, _ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer?) -> Int32 {
        run(Unmanaged<PluginHost>.fromOpaque(hostPointer!).takeUnretainedValue()) { host in
            guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
            // Linux answers ENOIOCTLCMD for requests TCP does not know, which reaches the caller as ENOTTY.
            guard let queue = SocketCalls.QueueRequest(rawValue: request) else { return .failure(ENOTTY) }
            guard let argument else { return .failure(EFAULT) }
            return outcome { () throws(SocketCallError) in
                argument.storeBytes(of: Int32(truncatingIfNeeded: try host.calls.queuedBytes(Int(fd), queue)), as: Int32.self)
                return 0
            }
        }
    }
}
