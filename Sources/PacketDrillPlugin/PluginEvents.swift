import CPacketDrillABI
import Glibc
import PacketDrill

/// poll and epoll: readiness from the shared layer (`SocketCalls.poll`, `epollWait`); waiting, up to the timeout
/// on the virtual clock, is the plugin's.
extension PluginEntries {
    /// The readiness bits epoll_ctl keeps (EPOLLET is the entry's mode; EPOLLPRI, EPOLLONESHOT and the like are not
    /// modelled and are dropped).
    static let epollBits: SocketCalls.Readiness = [.input, .output, .error, .hangUp, .readHangUp]
    static let edgeTriggered = UInt32(1) << 31

    /// Retries `ready` until it gives a value or `timeout` milliseconds of virtual time pass (-1: no limit; 0: one
    /// try), then runs `ready` one last time with `final` true.
    static func waitReady(_ host: PluginHost, timeout: Int32, _ ready: (_ final: Bool) -> Int?) -> Int {
        let deadline = timeout < 0 ? nil : Optional(host.nowMicroseconds + Int64(timeout) * 1000)
        let result = host.waiting { () -> Int? in
            if let n = ready(false) { return n }
            if let deadline, host.nowMicroseconds >= deadline { return ready(true) }
            return nil
        }
        return result ?? ready(true) ?? 0
    }

    static func fillEvents(_ table: UnsafeMutablePointer<selfconnect_pd_table>) {
        table.pointee.sock_poll = { context, fds, count, timeout in
            PluginEntries.call(context) { host in
                guard count <= 4096, count == 0 || fds != nil else { return .failure(EINVAL) }
                let items = UnsafeMutableBufferPointer(start: fds, count: Int(count))
                let entries = items.map {
                    SocketCalls.PollEntry(fd: Int($0.fd), events: SocketCalls.Readiness(rawValue: UInt32(UInt16(bitPattern: $0.events))))
                }
                let n = PluginEntries.waitReady(host, timeout: timeout) { final in
                    let revents = host.calls.poll(entries)
                    let ready = revents.filter { !$0.isEmpty }.count
                    guard ready > 0 || final else { return nil }
                    for i in items.indices { items[i].revents = Int16(truncatingIfNeeded: revents[i].rawValue) }
                    return ready
                }
                return .success(n)
            }
        }
        table.pointee.ev_create = { context, size in
            PluginEntries.call(context) { host in
                size <= 0 ? .failure(EINVAL) : .success(host.calls.epollCreate())
            }
        }
        table.pointee.ev_ctl = { context, epfd, op, fd, event in
            PluginEntries.call(context) { host in
                guard let operation = SocketCalls.EpollOperation(rawValue: op) else { return .failure(EINVAL) }
                var events = SocketCalls.Readiness(), edge = false, data: UInt64 = 0
                if operation != .delete {
                    guard let event else { return .failure(EFAULT) }
                    let e = UnsafeRawPointer(event).loadUnaligned(as: epoll_event.self)
                    events = SocketCalls.Readiness(rawValue: e.events).intersection(PluginEntries.epollBits)
                    edge = e.events & PluginEntries.edgeTriggered != 0
                    data = e.data.u64
                }
                return PluginEntries.outcome { () throws(SocketCallError) in
                    try host.calls.epollControl(Int(epfd), operation, Int(fd), events: events, edgeTriggered: edge, data: data)
                    return 0
                }
            }
        }
        table.pointee.ev_wait = { context, epfd, events, max, timeout in
            PluginEntries.call(context) { host in
                guard host.calls.epolls[Int(epfd)] != nil else { return .failure(EBADF) }
                guard max > 0, let events else { return .failure(max > 0 ? EFAULT : EINVAL) }
                let n = PluginEntries.waitReady(host, timeout: timeout) { final in
                    let reports = (try? host.calls.epollWait(Int(epfd), maxEvents: Int(max))) ?? []
                    guard !reports.isEmpty || final else { return nil }
                    for (i, r) in reports.enumerated() {
                        var e = epoll_event()
                        e.events = r.events.rawValue
                        e.data.u64 = r.data
                        UnsafeMutableRawPointer(events).advanced(by: i * MemoryLayout<epoll_event>.stride)
                            .storeBytes(of: e, as: epoll_event.self)
                    }
                    return reports.count
                }
                return .success(n)
            }
        }
    }
}
