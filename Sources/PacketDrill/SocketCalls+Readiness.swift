import TCPStack

/// ioctl's queue sizes and poll's readiness, for the runner and the plugin alike.
extension SocketCalls {
    /// The ioctl requests a TCP socket answers with a queue size (uapi asm-generic/ioctls.h, linux/sockios.h).
    public enum QueueRequest: UInt, Hashable, Sendable, CaseIterable {
        /// SIOCINQ (FIONREAD): bytes waiting to be read.
        case inQueue = 0x541B
        /// SIOCOUTQ (TIOCOUTQ): bytes written and not yet acknowledged.
        case outQueue = 0x5411
    }

    /// ioctl(SIOCINQ / FIONREAD / SIOCOUTQ). Linux `tcp_ioctl` answers EINVAL on a listener; a socket the engine no
    /// longer has holds nothing.
    public func queuedBytes(_ fd: Int, _ request: QueueRequest) throws(SocketCallError) -> Int {
        let socket = try descriptor(fd).socket
        if stack.state(of: socket) == .listen { throw .failed(.EINVAL) }
        switch request {
        case .inQueue: return stack.readableBytes(of: socket) ?? 0
        case .outQueue: return stack.unacknowledgedBytes(of: socket) ?? 0
        }
    }

    /// What poll and epoll report for a descriptor, with Linux's bit values (POLLIN is EPOLLIN, and so on).
    public struct Readiness: OptionSet, Hashable, Sendable {
        /// The bits, as poll's revents and epoll's events hold them.
        public var rawValue: UInt32
        /// Readiness from poll or epoll bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// POLLIN / EPOLLIN.
        public static let input = Readiness(rawValue: 0x001)
        /// POLLOUT / EPOLLOUT.
        public static let output = Readiness(rawValue: 0x004)
        /// POLLERR / EPOLLERR: reported whether asked or not.
        public static let error = Readiness(rawValue: 0x008)
        /// POLLHUP / EPOLLHUP: reported whether asked or not.
        public static let hangUp = Readiness(rawValue: 0x010)
        /// POLLNVAL: the descriptor is not open (poll only).
        public static let invalid = Readiness(rawValue: 0x020)
        /// POLLRDHUP / EPOLLRDHUP: the peer closed its side.
        public static let readHangUp = Readiness(rawValue: 0x2000)
    }

    /// What Linux `tcp_poll` reports for a socket now: readable with data, a FIN or the connection gone; writable
    /// while established with room in the send buffer and few enough bytes unsent (`HostStack.isWritable`).
    public func readiness(of socket: SocketID) -> Readiness {
        var ready: Readiness = []
        guard let state = stack.state(of: socket) else { return ready }
        let readable = stack.readableBytes(of: socket) ?? 0
        let peerClosed = stack.peerHasFinished(socket) ?? false
        if readable > 0 || peerClosed || state == .closed { ready.insert(.input) }
        if peerClosed { ready.insert(.readHangUp) }
        if stack.error(of: socket) != nil { ready.insert(.error) }
        switch state {
        case .established, .closeWait:
            if stack.isWritable(socket) == true { ready.insert(.output) }
        default: break
        }
        return ready
    }

    /// One entry of poll's array: a descriptor and the events asked for.
    public struct PollEntry: Hashable, Sendable {
        /// The descriptor.
        public var fd: Int
        /// The events asked for (POLLERR and POLLHUP are reported regardless).
        public var events: Readiness
        /// An entry for `fd` asking for `events`.
        public init(fd: Int, events: Readiness) {
            self.fd = fd
            self.events = events
        }
    }

    /// poll(2) now, without waiting: each entry's revents (none for a negative descriptor, POLLNVAL for one that is
    /// not open; Linux `do_pollfd`). The call returns how many are non-empty; with none, whether and how long to wait
    /// is the caller's.
    public func poll(_ entries: [PollEntry]) -> [Readiness] {
        entries.map { entry in
            guard entry.fd >= 0 else { return [] }
            guard let d = descriptors[entry.fd] else { return .invalid }
            return readiness(of: d.socket).intersection(entry.events.union([.error, .hangUp]))
        }
    }
}
