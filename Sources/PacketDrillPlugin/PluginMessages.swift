import CPacketDrillABI
import Glibc
import PacketDrill

/// recvmsg and sendmsg: the shared layer's `receiveMessage` and sends on the msghdr's iovecs, and the control
/// messages laid out as Linux `put_cmsg` lays them out.
extension PluginEntries {
    static func fillMessages(_ table: UnsafeMutablePointer<selfconnect_pd_table>) {
        table.pointee.sock_recvmsg = { context, fd, message, flags in
            PluginEntries.call(context) { host in PluginEntries.recvmsg(host, fd, message, flags) }
        }
        table.pointee.sock_sendmsg = { context, fd, message, flags in
            PluginEntries.call(context) { host in
                guard let message else { return .failure(EFAULT) }
                let m = message.pointee
                let iov: UnsafeBufferPointer<iovec>
                switch PluginEntries.vectors(m.msg_iov, Int32(truncatingIfNeeded: m.msg_iovlen)) {
                case .success(let v): iov = v
                case .failure(let e): return .failure(e.rawValue)
                }
                // Control messages on a send (SCM_TIMESTAMPING per write, SCM_TXTIME) are not modelled.
                guard m.msg_controllen == 0 else { return .failure(EOPNOTSUPP) }
                let bytes = iov.flatMap { v in
                    v.iov_base.map { Array(UnsafeRawBufferPointer(start: $0, count: v.iov_len)) } ?? []
                }
                return PluginEntries.sendBytes(host, fd, bytes, flags)
            }
        }
    }

    static func recvmsg(_ host: PluginHost, _ fd: Int32, _ message: UnsafeMutablePointer<msghdr>?, _ flags: Int32) -> CallOutcome {
        guard let message else { return .failure(EFAULT) }
        let iov: UnsafeBufferPointer<iovec>
        switch vectors(message.pointee.msg_iov, Int32(truncatingIfNeeded: message.pointee.msg_iovlen)) {
        case .success(let v): iov = v
        case .failure(let e): return .failure(e.rawValue)
        }
        let receiveFlags = SocketCalls.ReceiveFlags(rawValue: flags)
        var received: SocketCalls.ReceivedMessage?
        let once = { () -> CallOutcome? in
            attempt { () throws(SocketCallError) in
                let m = try host.calls.receiveMessage(Int(fd), capacity: iov.reduce(0) { $0 + $1.iov_len },
                    flags: receiveFlags, now: host.instant)
                received = m
                return m.bytes.count
            }
        }
        // The error queue never waits (Linux ip_recv_error).
        let result = receiveFlags.isDisjoint(with: [.dontWait, .errorQueue]) ? host.blocking(fd, once) : once()
        guard let received else { return result ?? .failure(EAGAIN) }
        var offset = 0
        for v in iov where offset < received.bytes.count && v.iov_len > 0 {
            let n = min(v.iov_len, received.bytes.count - offset)
            received.bytes[offset..<(offset + n)].withUnsafeBytes { v.iov_base!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            offset += n
        }
        var messageFlags = received.flags
        let capacity = message.pointee.msg_control == nil ? 0 : Int(message.pointee.msg_controllen)
        let (control, truncated) = controlBytes(received.control, capacity: capacity)
        if truncated { messageFlags.insert(.controlTruncated) }
        if !control.isEmpty {
            control.withUnsafeBytes { message.pointee.msg_control.copyMemory(from: $0.baseAddress!, byteCount: control.count) }
        }
        message.pointee.msg_controllen = control.count
        message.pointee.msg_flags = messageFlags.rawValue
        // A connected TCP socket names no sender.
        message.pointee.msg_namelen = 0
        return result ?? .failure(EAGAIN)
    }

    /// The control messages as `struct cmsghdr` + data, each padded to 8 bytes (CMSG_SPACE); those that do not fit
    /// in `capacity` are left out and reported (MSG_CTRUNC).
    static func controlBytes(_ messages: [SocketCalls.ControlMessage], capacity: Int) -> ([UInt8], Bool) {
        var out: [UInt8] = []
        for m in messages {
            var data: [UInt8] = []
            switch m.data {
            case .integer(let v): append(v, to: &data)
            case .timestamp(let at):
                // scm_timestamping: ts[0] software, ts[1] and ts[2] (hardware) zero; wall time on the plugin's clock.
                let ns = PluginHost.epochMicroseconds * 1000 + at.nanoseconds
                append(ns / 1_000_000_000, to: &data)
                append(ns % 1_000_000_000, to: &data)
                data += [UInt8](repeating: 0, count: 32)
            case .extendedError(let ee):
                append(ee.errno, to: &data)
                data += [ee.origin, ee.type, ee.code, 0]
                append(ee.info, to: &data)
                append(ee.data, to: &data)
                // The offender address: none for timestamps and zerocopy completions (AF_UNSPEC, zeroed).
                data += [UInt8](repeating: 0, count: MemoryLayout<sockaddr_in>.size)
            }
            let length = MemoryLayout<cmsghdr>.size + data.count
            let start = out.count
            guard start + length <= capacity else { return (out, true) }
            append(length, to: &out)
            append(m.level, to: &out)
            append(m.type, to: &out)
            out += data
            // CMSG_SPACE padding, as far as the buffer goes.
            out += [UInt8](repeating: 0, count: min((length + 7) & ~7, capacity - start) - length)
        }
        return (out, false)
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
