import TCPStack
import TCPWire

/// The socket calls of one engine host as Linux answers them: the one syscall layer the packetdrill script runner
/// (`ScriptRunner`) and the packetdrill plugin share.
///
/// It owns the host (in a ``DriveLoop``, so the host's packets to its own addresses loop back) and the descriptor
/// table: descriptor numbers, their non-blocking flag and their linger, and the epoll instances. Arguments are typed (an ``Endpoint``, a
/// ``SocketOption``); errors are Linux errnos (``LinuxErrno``). A call that cannot complete now throws
/// ``SocketCallError/wouldBlock``: the caller decides whether to wait (``isNonBlocking(_:)``) and how, and runs
/// the loop (`loop.flush()`) after each call to carry what the host sent.
public struct SocketCalls: Sendable {
    /// One open socket descriptor.
    public struct Descriptor: Sendable {
        /// The engine's socket behind it.
        public var socket: SocketID
        /// O_NONBLOCK: calls that would block fail instead (fcntl F_SETFL, SOCK_NONBLOCK).
        public var nonBlocking: Bool
        /// SO_LINGER {1, 0}: close() aborts the connection with a RST (RFC 9293 §3.10.5 ABORT).
        public var lingerAbort: Bool

        /// A descriptor for `socket`, blocking unless `nonBlocking`, with the default linger.
        public init(socket: SocketID, nonBlocking: Bool = false, lingerAbort: Bool = false) {
            self.socket = socket
            self.nonBlocking = nonBlocking
            self.lingerAbort = lingerAbort
        }
    }

    /// fcntl's file status flags, with Linux's values.
    public struct StatusFlags: OptionSet, Hashable, Sendable {
        /// The flags' bits, as fcntl(F_GETFL) returns them.
        public var rawValue: Int32
        /// Makes flags from fcntl bits.
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// O_RDWR: every socket is open for reading and writing.
        public static let readWrite = StatusFlags(rawValue: 2)
        /// O_NONBLOCK.
        public static let nonBlocking = StatusFlags(rawValue: 0o4000)
    }

    /// The loop over the host; its only host is the one the calls act on.
    public var loop: DriveLoop<HostStack>
    /// The descriptors open now, by number.
    public var descriptors: [Int: Descriptor] = [:]
    /// The epoll instances open now, by descriptor number (SocketCalls+Epoll.swift).
    public var epolls: [Int: EpollInstance] = [:]

    /// The host the calls act on (the loop's only host).
    public var stack: HostStack {
        _read { yield loop.hosts[0] }
        _modify { yield &loop.hosts[0] }
    }

    /// Calls on `stack`, driven by a loop whose deadlines round up to `tick` (a microsecond for a microsecond clock).
    public init(_ stack: HostStack, tick: Duration = .microseconds(1)) {
        loop = DriveLoop(stack, tick: tick)
    }

    /// The open descriptor `fd`, or EBADF.
    public func descriptor(_ fd: Int) throws(SocketCallError) -> Descriptor {
        guard let d = descriptors[fd] else { throw .failed(.EBADF) }
        return d
    }

    /// Whether calls on `fd` fail rather than wait (false for a descriptor that is not open).
    public func isNonBlocking(_ fd: Int) -> Bool { descriptors[fd]?.nonBlocking ?? false }

    /// The lowest descriptor number from 3 that is free here and not `taken`.
    public func lowestFreeDescriptor(excluding taken: (Int) -> Bool = { _ in false }) -> Int {
        var fd = 3
        while descriptors[fd] != nil || epolls[fd] != nil || taken(fd) { fd += 1 }
        return fd
    }

    // MARK: the calls

    /// socket(AF_INET or AF_INET6, SOCK_STREAM): a new socket at descriptor `number` (the lowest free one when nil).
    public mutating func socket(nonBlocking: Bool = false, number: Int? = nil) -> Int {
        let fd = number ?? lowestFreeDescriptor()
        descriptors[fd] = Descriptor(socket: stack.socket(), nonBlocking: nonBlocking)
        return fd
    }

    /// IP protocol numbers a SOCK_STREAM socket never carries: Linux registers only TCP (and MPTCP) for
    /// SOCK_STREAM in `inetsw`, so `inet_create` fails socket() for these with EPROTONOSUPPORT.
    static let nonStreamProtocols: [String: Int64] = [
        "IPPROTO_ICMP": 1, "IPPROTO_UDP": 17, "IPPROTO_ICMPV6": 58, "IPPROTO_UDPLITE": 136, "IPPROTO_RAW": 255,
    ]

    /// socket(domain, SOCK_STREAM, protocol)'s error for `protocol` (by number), or nil when it is TCP's
    /// (`IPPROTO_TCP`, or 0 for the type's default).
    public static func streamSocketError(protocol number: Int64) -> LinuxErrno? {
        nonStreamProtocols.values.contains(number) ? .EPROTONOSUPPORT : nil
    }

    /// bind(2).
    public mutating func bind(_ fd: Int, to local: Endpoint) throws(SocketCallError) {
        let d = try descriptor(fd)
        do throws(SocketError) { try stack.bind(d.socket, to: local) } catch { throw SocketCallError(error) }
    }

    /// listen(2).
    public mutating func listen(_ fd: Int, backlog: Int) throws(SocketCallError) {
        let d = try descriptor(fd)
        do throws(SocketError) { try stack.listen(d.socket, backlog: backlog) } catch { throw SocketCallError(error) }
    }

    /// accept(2): the next established connection at a new blocking descriptor `number` (the lowest free one when
    /// nil); ``SocketCallError/wouldBlock`` while none is queued.
    public mutating func accept(_ fd: Int, number: Int? = nil) throws(SocketCallError) -> Int {
        let d = try descriptor(fd)
        let child: SocketID
        do throws(SocketError) { child = try stack.accept(d.socket) } catch { throw SocketCallError(error) }
        let newFD = number ?? lowestFreeDescriptor()
        descriptors[newFD] = Descriptor(socket: child)
        return newFD
    }

    /// connect(2), first half: sends the SYN. ``connectProgress(_:)`` then says how it went, once the loop has
    /// carried the SYN (a connect to an own address completes at once: a self-connect).
    public mutating func connect(_ fd: Int, to remote: Endpoint, now: Instant) throws(SocketCallError) {
        let d = try descriptor(fd)
        do throws(SocketError) { try stack.connect(d.socket, to: remote, now: now) } catch { throw SocketCallError(error) }
    }

    /// How a connect on `fd` stands: done, ``SocketCallError/wouldBlock`` while the handshake is under way
    /// (EINPROGRESS to a non-blocking caller), or its error (ECONNREFUSED when the engine names none).
    public func connectProgress(_ fd: Int) throws(SocketCallError) {
        guard let d = descriptors[fd], let state = stack.state(of: d.socket) else { throw .failed(.EBADF) }
        switch state {
        case .synSent where stack.isConnectDeferred(d.socket): return  // Linux DEFER_CONNECT
        case .synSent, .synReceived: throw .wouldBlock
        case .closed: throw .failed(stack.error(of: d.socket).map { LinuxErrno($0) } ?? .ECONNREFUSED)
        default: return
        }
    }

    /// read(2) / recv(2): up to `maxBytes` bytes; with `peek` (MSG_PEEK) and bytes waiting, a copy that leaves
    /// them queued.
    public mutating func receive(_ fd: Int, maxBytes: Int, peek: Bool = false, now: Instant) throws(SocketCallError)
        -> [UInt8]
    {
        let d = try descriptor(fd)
        if peek && (stack.readableBytes(of: d.socket) ?? 0) > 0 {
            return stack.peek(d.socket, maxBytes: maxBytes) ?? []
        }
        do throws(SocketError) {
            return try stack.receive(d.socket, maxBytes: maxBytes, now: now)
        } catch { throw SocketCallError(error) }
    }

    /// write(2) / send(2): how many of `bytes` the send buffer took.
    public mutating func send(_ fd: Int, _ bytes: [UInt8], flags: SendFlags = [], now: Instant) throws(SocketCallError)
        -> Int
    {
        let d = try descriptor(fd)
        do throws(SocketError) {
            return try stack.send(d.socket, bytes, flags: flags, now: now)
        } catch { throw SocketCallError(error) }
    }

    /// close(2): releases the descriptor and closes the socket, or aborts it under SO_LINGER {1, 0}; closes an
    /// epoll instance.
    public mutating func close(_ fd: Int, now: Instant) throws(SocketCallError) {
        if epolls.removeValue(forKey: fd) != nil { return }
        let d = try descriptor(fd)
        // Linux releases the descriptor whatever the close reports, and its file leaves every epoll set
        // (eventpoll_release).
        descriptors[fd] = nil
        for key in epolls.keys { epolls[key]!.entries[fd] = nil }
        do throws(SocketError) {
            if d.lingerAbort {
                try stack.abort(d.socket, now: now)
            } else {
                try stack.close(d.socket, now: now)
            }
        } catch { throw SocketCallError(error) }
    }

    /// shutdown(2).
    public mutating func shutdown(_ fd: Int, _ how: ShutdownHow, now: Instant) throws(SocketCallError) {
        let d = try descriptor(fd)
        do throws(SocketError) { try stack.shutdown(d.socket, how, now: now) } catch { throw SocketCallError(error) }
    }

    /// fcntl(F_GETFL).
    public func statusFlags(_ fd: Int) throws(SocketCallError) -> StatusFlags {
        try descriptor(fd).nonBlocking ? [.readWrite, .nonBlocking] : .readWrite
    }

    /// fcntl(F_SETFL): only O_NONBLOCK changes anything.
    public mutating func setStatusFlags(_ fd: Int, _ flags: StatusFlags) throws(SocketCallError) {
        _ = try descriptor(fd)
        descriptors[fd]!.nonBlocking = flags.contains(.nonBlocking)
    }
}
