import CPacketDrillABI
import Glibc
import PacketDrill
import TCPStack
import TCPWire

/// The library's one export: packetdrill's `--so_filename` loader calls it with `--so_flags`
/// (`personality=linux-6 local_ip=192.168.0.1`) and a table to fill.
@_cdecl("packetdrill_interface_init")
public func packetdrillInterfaceInit(_ flags: UnsafePointer<CChar>?, _ table: UnsafeMutablePointer<selfconnect_pd_table>?) {
    guard let table else { return }
    let host: PluginHost
    do {
        host = try PluginHost(flags: flags.map { String(cString: $0) } ?? "")
    } catch {
        // The interface has no error return: say why on one line and stop, as a CLI does for bad input.
        let line = "selfconnect_packetdrill: \(error.message)\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        exit(2)
    }
    let context = UnsafeMutablePointer<selfconnect_pd_context>.allocate(capacity: 1)
    context.initialize(to: selfconnect_pd_context(
        host: Unmanaged.passRetained(host).toOpaque(),
        fcntl: { host, fd, command, argument in PluginEntries.fcntl(host, fd, command, argument) },
        ioctl: { host, fd, request, argument in PluginEntries.ioctl(host, fd, request, argument) }))
    table.pointee = selfconnect_pd_table()
    table.pointee.context = UnsafeMutableRawPointer(context)
    table.pointee.release = { context in
        guard let context else { return }
        let c = context.assumingMemoryBound(to: selfconnect_pd_context.self)
        Unmanaged<PluginHost>.fromOpaque(c.pointee.host).release()
        c.deallocate()
    }
    selfconnect_pd_fill_c_entries(table)
    PluginEntries.fill(table)
    PluginEntries.fillVectors(table)
    PluginEntries.fillEvents(table)
    PluginEntries.fillMessages(table)
}

extension PluginEntries {
    /// fcntl with its argument made explicit by the C trampoline: F_GETFL and F_SETFL (O_NONBLOCK) only.
    /// `hostPointer` is the host object itself, not the table's context.
    static func fcntl(_ hostPointer: UnsafeMutableRawPointer?, _ fd: Int32, _ command: Int32, _ argument: Int) -> Int32 {
        run(Unmanaged<PluginHost>.fromOpaque(hostPointer!).takeUnretainedValue()) { host in
            guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
            switch command {
            case F_GETFL: return outcome { () throws(SocketCallError) in Int(try host.calls.statusFlags(Int(fd)).rawValue) }
            case F_SETFL:
                let flags = SocketCalls.StatusFlags(rawValue: Int32(truncatingIfNeeded: argument))
                return outcome { () throws(SocketCallError) in try host.calls.setStatusFlags(Int(fd), flags); return 0 }
            default: return .failure(EINVAL)
            }
        }
    }
}

enum CallOutcome {
    case success(Int)
    case failure(Int32)
}

enum PluginEntries {
    static func host(_ context: UnsafeMutableRawPointer?) -> PluginHost {
        let c = context!.assumingMemoryBound(to: selfconnect_pd_context.self)
        return Unmanaged<PluginHost>.fromOpaque(c.pointee.host).takeUnretainedValue()
    }

    /// Runs `body` under the lock of the table context's host; a failure sets errno and returns -1.
    static func call<T: BinaryInteger>(_ context: UnsafeMutableRawPointer?, _ body: (PluginHost) -> CallOutcome) -> T {
        run(host(context), body)
    }

    static func run<T: BinaryInteger>(_ h: PluginHost, _ body: (PluginHost) -> CallOutcome) -> T {
        let outcome = h.locked { () -> CallOutcome in
            let result = body(h)
            h.collect()
            return result
        }
        switch outcome {
        case .success(let v): return T(v)
        case .failure(let e):
            errno = e
            return -1
        }
    }

    static func endpoint(_ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Endpoint? {
        guard let address, length >= socklen_t(MemoryLayout<sockaddr_in>.size),
            address.pointee.sa_family == sa_family_t(AF_INET)
        else { return nil }
        let sin = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
        let ip = IPv4Address(rawValue: UInt32(bigEndian: sin.sin_addr.s_addr))
        return Endpoint(.v4(ip), UInt16(bigEndian: sin.sin_port))
    }

    static func write(_ endpoint: Endpoint?, to address: UnsafeMutablePointer<sockaddr>?, length: UnsafeMutablePointer<socklen_t>?) {
        guard let endpoint, let address, let length, case .v4(let ip) = endpoint.address,
            length.pointee >= socklen_t(MemoryLayout<sockaddr_in>.size)
        else { return }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = endpoint.port.bigEndian
        sin.sin_addr.s_addr = ip.rawValue.bigEndian
        UnsafeMutableRawPointer(address).storeBytes(of: sin, as: sockaddr_in.self)
        length.pointee = socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    /// A call of the shared layer: its value, or its errno (EAGAIN when it would block).
    static func outcome(_ body: () throws(SocketCallError) -> Int) -> CallOutcome {
        attempt(body) ?? .failure(LinuxErrno.EAGAIN.rawValue)
    }

    /// A failed call of the shared layer (EAGAIN when it would block).
    static func outcome(_ error: SocketCallError) -> CallOutcome {
        switch error {
        case .wouldBlock: .failure(LinuxErrno.EAGAIN.rawValue)
        case .failed(let errno): .failure(errno.rawValue)
        }
    }

    /// A call of the shared layer for `PluginHost.blocking`: nil while it would block.
    static func attempt(_ body: () throws(SocketCallError) -> Int) -> CallOutcome? {
        do throws(SocketCallError) {
            return .success(try body())
        } catch {
            switch error {
            case .wouldBlock: return nil
            case .failed(let errno): return .failure(errno.rawValue)
            }
        }
    }

    static func fill(_ table: UnsafeMutablePointer<selfconnect_pd_table>) {
        table.pointee.sock_socket = { context, domain, type, proto in
            PluginEntries.call(context) { host in
                guard domain == AF_INET, type & 0xf == Int32(SOCK_STREAM.rawValue) else { return .failure(EAFNOSUPPORT) }
                if let error = SocketCalls.streamSocketError(protocol: Int64(proto)) { return .failure(error.rawValue) }
                let nonBlocking = type & Int32(SOCK_NONBLOCK.rawValue) != 0
                return .success(host.calls.socket(nonBlocking: nonBlocking))
            }
        }
        table.pointee.sock_bind = { context, fd, address, length in
            PluginEntries.call(context) { host in
                guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
                guard let endpoint = PluginEntries.endpoint(address, length) else { return .failure(EAFNOSUPPORT) }
                return PluginEntries.outcome { () throws(SocketCallError) in try host.calls.bind(Int(fd), to: endpoint); return 0 }
            }
        }
        table.pointee.sock_listen = { context, fd, backlog in
            PluginEntries.call(context) { host in
                PluginEntries.outcome { () throws(SocketCallError) in try host.calls.listen(Int(fd), backlog: Int(backlog)); return 0 }
            }
        }
        table.pointee.sock_accept = { context, fd, address, length in
            PluginEntries.call(context) { host in
                let result = host.blocking(fd) { () -> CallOutcome? in
                    PluginEntries.attempt { () throws(SocketCallError) in
                        let child = try host.calls.accept(Int(fd))
                        let peer = host.calls.descriptors[child].flatMap { host.calls.stack.remoteEndpoint(of: $0.socket) }
                        PluginEntries.write(peer, to: address, length: length)
                        return child
                    }
                }
                return result ?? .failure(EAGAIN)
            }
        }
        table.pointee.sock_connect = { context, fd, address, length in
            PluginEntries.call(context) { host in
                guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
                guard let remote = PluginEntries.endpoint(address, length) else { return .failure(EAFNOSUPPORT) }
                let started = PluginEntries.outcome { () throws(SocketCallError) in
                    try host.calls.connect(Int(fd), to: remote, now: host.instant)
                    return 0
                }
                if case .failure = started { return started }
                host.collect()
                let result = host.blocking(fd) { () -> CallOutcome? in
                    PluginEntries.attempt { () throws(SocketCallError) in try host.calls.connectProgress(Int(fd)); return 0 }
                }
                return result ?? .failure(EINPROGRESS)
            }
        }
        table.pointee.sock_read = { context, fd, buffer, count in PluginEntries.receive(context, fd, buffer, count, 0) }
        table.pointee.sock_recv = { context, fd, buffer, count, flags in
            PluginEntries.receive(context, fd, buffer, count, flags)
        }
        table.pointee.sock_write = { context, fd, buffer, count in PluginEntries.send(context, fd, buffer, count, 0) }
        table.pointee.sock_send = { context, fd, buffer, count, flags in PluginEntries.send(context, fd, buffer, count, flags) }
        table.pointee.sock_close = { context, fd in
            PluginEntries.call(context) { host in
                PluginEntries.outcome { () throws(SocketCallError) in try host.calls.close(Int(fd), now: host.instant); return 0 }
            }
        }
        table.pointee.sock_shutdown = { context, fd, how in
            PluginEntries.call(context) { host in
                guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
                let mode: ShutdownHow
                switch how {
                case Int32(SHUT_RD): mode = .read
                case Int32(SHUT_WR): mode = .write
                case Int32(SHUT_RDWR): mode = .both
                default: return .failure(EINVAL)
                }
                return PluginEntries.outcome { () throws(SocketCallError) in
                    try host.calls.shutdown(Int(fd), mode, now: host.instant)
                    return 0
                }
            }
        }
        table.pointee.sock_getsockopt = { context, fd, level, name, value, length in
            PluginEntries.call(context) { host in PluginEntries.getsockopt(host, fd, level, name, value, length) }
        }
        table.pointee.sock_setsockopt = { context, fd, level, name, value, length in
            PluginEntries.call(context) { host in PluginEntries.setsockopt(host, fd, level, name, value, length) }
        }
        table.pointee.device_send = { context, packet, count in
            PluginEntries.call(context) { host in
                guard let packet else { return .failure(EINVAL) }
                let bytes = UnsafeRawBufferPointer(start: packet, count: count)
                guard let parsed = try? IPPacket(parsing: bytes) else { return .failure(EINVAL) }
                host.loop.now = host.instant
                host.loop.deliver(parsed)
                return .success(0)
            }
        }
        table.pointee.device_receive = { context, packet, count, time in
            PluginEntries.call(context) { host in
                guard let packet, let count else { return .failure(EINVAL) }
                if host.sent.isEmpty {
                    // Nothing waiting: let time pass, to the next timer at most, so a polling caller progresses.
                    let next = host.loop.nextDeadline.map { $0.nanoseconds / 1000 } ?? Int64.max
                    host.advance(to: min(next, host.nowMicroseconds + PluginHost.idleStepMicroseconds))
                }
                guard !host.sent.isEmpty else {
                    count.pointee = 0
                    return .success(0)
                }
                let (when, bytes) = host.sent.removeFirst()
                guard bytes.count <= count.pointee else { return .failure(EMSGSIZE) }
                bytes.withUnsafeBytes { packet.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                count.pointee = bytes.count
                time?.pointee = PluginHost.epochMicroseconds + when
                return .success(0)
            }
        }
        table.pointee.clock_sleep = { context, usecs in
            PluginEntries.call(context) { host in
                host.advance(to: host.nowMicroseconds + Int64(usecs))
                return .success(0)
            }
        }
        table.pointee.clock_now = { context, now, _ in
            PluginEntries.call(context) { host in
                guard let now else { return .failure(EFAULT) }
                let t = PluginHost.epochMicroseconds + host.nowMicroseconds
                now.pointee = timeval(tv_sec: Int(t / 1_000_000), tv_usec: Int(t % 1_000_000))
                return .success(0)
            }
        }
    }
}
