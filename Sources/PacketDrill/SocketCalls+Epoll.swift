import TCPStack

/// epoll over the engine's sockets, as Linux's `ep_poll_callback` and `tcp_poll` behave for TCP. Level-triggered
/// entries report whenever ready; edge-triggered ones (EPOLLET) only after a wake-up: when they are added or
/// modified while ready, and when data, a FIN, an error or a connection arrives.
public struct EpollInstance: Hashable, Sendable {
    /// One watched descriptor.
    public struct Entry: Hashable, Sendable {
        /// The events asked for (without EPOLLET).
        public var events: SocketCalls.Readiness
        /// EPOLLET.
        public var edgeTriggered: Bool
        /// The caller's `epoll_data`, handed back with each report.
        public var data: UInt64
        /// An edge-triggered entry has been woken since it last reported.
        public var pending: Bool
    }
    /// The watched descriptors, by number.
    public var entries: [Int: Entry] = [:]
}

extension SocketCalls {
    /// epoll_ctl's operations, with Linux's values.
    public enum EpollOperation: Int32, Hashable, Sendable {
        /// EPOLL_CTL_ADD.
        case add = 1
        /// EPOLL_CTL_DEL.
        case delete = 2
        /// EPOLL_CTL_MOD.
        case modify = 3
    }

    /// One report of epoll_wait.
    public struct EpollReport: Hashable, Sendable {
        /// The descriptor that is ready.
        public var fd: Int
        /// What is ready, within what was asked (and EPOLLERR / EPOLLHUP).
        public var events: Readiness
        /// The entry's `epoll_data`.
        public var data: UInt64
    }

    /// epoll_create(2): a new instance at descriptor `number` (the lowest free one when nil).
    public mutating func epollCreate(number: Int? = nil) -> Int {
        let fd = number ?? lowestFreeDescriptor()
        epolls[fd] = EpollInstance()
        return fd
    }

    /// epoll_ctl(2). EBADF for an epoll or target descriptor that is not open; EEXIST / ENOENT as Linux answers.
    public mutating func epollControl(
        _ epfd: Int, _ operation: EpollOperation, _ fd: Int, events: Readiness = [], edgeTriggered: Bool = false,
        data: UInt64 = 0
    ) throws(SocketCallError) {
        guard epolls[epfd] != nil else { throw .failed(.EBADF) }
        let d = try descriptor(fd)
        let present = epolls[epfd]!.entries[fd] != nil
        switch operation {
        case .add, .modify:
            if operation == .add && present { throw .failed(.EEXIST) }
            if operation == .modify && !present { throw .failed(.ENOENT) }
            // ep_insert / ep_modify poll the file at once: ready now means queued now.
            let ready = !readiness(of: d.socket).intersection(events).isEmpty
            epolls[epfd]!.entries[fd] = EpollInstance.Entry(
                events: events, edgeTriggered: edgeTriggered, data: data, pending: ready)
        case .delete:
            guard present else { throw .failed(.ENOENT) }
            epolls[epfd]!.entries[fd] = nil
        }
    }

    /// epoll_wait(2) now, without waiting: up to `maxEvents` (> 0, else EINVAL) ready entries in descriptor order
    /// (empty when none; whether and how long to wait is the caller's). Edge-triggered entries that report are
    /// disarmed; the others stay ready for the next call (Linux `ep_send_events`).
    public mutating func epollWait(_ epfd: Int, maxEvents: Int) throws(SocketCallError) -> [EpollReport] {
        guard let instance = epolls[epfd] else { throw .failed(.EBADF) }
        guard maxEvents > 0 else { throw .failed(.EINVAL) }
        var reported: [EpollReport] = []
        for fd in instance.entries.keys.sorted() where reported.count < maxEvents {
            let entry = instance.entries[fd]!
            guard let d = descriptors[fd] else { continue }
            let ready = readiness(of: d.socket).intersection(entry.events.union([.error, .hangUp]))
            if ready.isEmpty || (entry.edgeTriggered && !entry.pending) { continue }
            reported.append(EpollReport(fd: fd, events: ready, data: entry.data))
            if entry.edgeTriggered { epolls[epfd]!.entries[fd]!.pending = false }
        }
        return reported
    }

    /// Engine events wake the edge-triggered entries of their sockets.
    public mutating func wakeEpoll(_ events: [SocketEvent]) {
        guard !epolls.isEmpty else { return }
        for event in events {
            let socket: SocketID
            switch event {
            case .readable(let s), .peerClosed(let s), .reset(let s), .connected(let s), .refused(let s), .unreachable(let s), .timedOut(let s):
                socket = s
            case .acceptReady(let l):
                socket = l
            default:
                continue
            }
            guard let fd = descriptors.first(where: { $0.value.socket == socket })?.key else { continue }
            for key in epolls.keys where epolls[key]!.entries[fd] != nil {
                epolls[key]!.entries[fd]!.pending = true
            }
        }
    }
}
