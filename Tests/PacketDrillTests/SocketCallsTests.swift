import Glibc
import PacketDrill
import TCPStack
import TCPWire
import Testing

/// The syscall layer the runner and the plugin share, called directly.
@Suite struct SocketCallsTests {
    static let here = Endpoint(.v4(.loopback), 40000)

    static func calls() -> SocketCalls {
        SocketCalls(HostStack(addresses: [.v4(.loopback)], configuration: .linux6, seed: 1))
    }

    @Test func aConnectToItsOwnPortSelfConnectsAndReadsBackWhatItWrites() throws {
        var calls = Self.calls()
        let fd = calls.socket()
        #expect(fd == 3)
        try calls.bind(fd, to: Self.here)
        try calls.connect(fd, to: Self.here, now: .zero)
        #expect(throws: SocketCallError.wouldBlock) { try calls.connectProgress(fd) }
        calls.loop.flush()
        try calls.connectProgress(fd)
        #expect(calls.stack.state(of: try calls.descriptor(fd).socket) == .established)
        #expect(try calls.send(fd, Array("test1".utf8), now: .zero) == 5)
        calls.loop.flush()
        #expect(try calls.receive(fd, maxBytes: 100, peek: true, now: .zero) == Array("test1".utf8))
        #expect(try calls.receive(fd, maxBytes: 100, now: .zero) == Array("test1".utf8))
        #expect(throws: SocketCallError.wouldBlock) { try calls.receive(fd, maxBytes: 100, now: .zero) }
    }

    @Test func closeReleasesTheDescriptorAndTheLowestFreeNumberIsReused() throws {
        var calls = Self.calls()
        #expect(calls.socket() == 3)
        #expect(calls.socket() == 4)
        #expect(calls.socket(number: 9) == 9)
        try calls.close(3, now: .zero)
        #expect(throws: SocketCallError.failed(.EBADF)) { try calls.close(3, now: .zero) }
        #expect(calls.socket() == 3)
        #expect(calls.lowestFreeDescriptor(excluding: { $0 == 5 }) == 6)
    }

    @Test func fcntlStatusFlagsCarryONonblockAndAcceptThenFailsInsteadOfWaiting() throws {
        var calls = Self.calls()
        let fd = calls.socket()
        try calls.bind(fd, to: Self.here)
        try calls.listen(fd, backlog: 1)
        #expect(try calls.statusFlags(fd).rawValue == O_RDWR)
        #expect(!calls.isNonBlocking(fd))
        try calls.setStatusFlags(fd, SocketCalls.StatusFlags(rawValue: O_RDWR | O_NONBLOCK))
        #expect(try calls.statusFlags(fd).rawValue == O_RDWR | O_NONBLOCK)
        #expect(calls.isNonBlocking(fd))
        #expect(throws: SocketCallError.wouldBlock) { try calls.accept(fd) }
    }

    @Test func aRefusedConnectReportsECONNREFUSEDAndSOERRORNamesIt() throws {
        var calls = Self.calls()
        let fd = calls.socket()
        // Nothing listens on the port: the host's own RST refuses the SYN.
        try calls.connect(fd, to: Self.here, now: .zero)
        calls.loop.flush()
        #expect(try calls.option(.error, of: fd) == .error(.ECONNREFUSED))
        #expect(throws: SocketCallError.failed(.ECONNREFUSED)) { try calls.connectProgress(fd) }
    }

    @Test func optionsAreSetAndReadBackTypedAndUnknownCongestionIsENOENT() throws {
        var calls = Self.calls()
        let fd = calls.socket()
        try calls.setOption(fd, .keepaliveIdle(seconds: 30), now: .zero)
        #expect(try calls.option(.keepaliveIdle, of: fd) == .keepaliveIdle(seconds: 30))
        try calls.setOption(fd, .reuseAddress(true), now: .zero)
        #expect(try calls.option(.reuseAddress, of: fd).integerValue == 1)
        try calls.setOption(fd, .congestionControl("reno"), now: .zero)
        #expect(try calls.option(.congestionControl, of: fd) == .congestionControl("reno"))
        #expect(throws: SocketCallError.failed(.ENOENT)) { try calls.setOption(fd, .congestionControl("nope"), now: .zero) }
        #expect(throws: SocketCallError.failed(.ENOPROTOOPT)) { try calls.setOption(fd, .error(nil), now: .zero) }
        try calls.setOption(fd, .linger(on: true, seconds: 0), now: .zero)
        #expect(try calls.descriptor(fd).lingerAbort)
        #expect(throws: SocketCallError.failed(.EBADF)) { try calls.option(.keepalive, of: 7) }
    }

    @Test func errnoValuesAreLinuxs() {
        let glibc: [LinuxErrno: Int32] = [
            .ENOENT: ENOENT, .EBADF: EBADF, .EAGAIN: EAGAIN, .EFAULT: EFAULT, .EEXIST: EEXIST, .EINVAL: EINVAL,
            .ESPIPE: ESPIPE, .EPIPE: EPIPE, .ENOSYS: ENOSYS, .EMSGSIZE: EMSGSIZE, .ENOPROTOOPT: ENOPROTOOPT,
            .EPROTONOSUPPORT: EPROTONOSUPPORT,
            .EOPNOTSUPP: EOPNOTSUPP, .EAFNOSUPPORT: EAFNOSUPPORT, .EADDRINUSE: EADDRINUSE,
            .EADDRNOTAVAIL: EADDRNOTAVAIL, .ECONNRESET: ECONNRESET, .EISCONN: EISCONN, .ENOTCONN: ENOTCONN,
            .ETIMEDOUT: ETIMEDOUT, .ECONNREFUSED: ECONNREFUSED, .EHOSTUNREACH: EHOSTUNREACH, .EALREADY: EALREADY, .EINPROGRESS: EINPROGRESS,
        ]
        #expect(glibc.count == LinuxErrno.allCases.count)
        for (errno, value) in glibc { #expect(errno.rawValue == value, "\(errno.name)") }
        #expect(LinuxErrno.ECONNREFUSED.name == "ECONNREFUSED")
        #expect(LinuxErrno(SocketError.addressInUse) == .EADDRINUSE)
    }

    @Test func optionNamesCarryLinuxLevelsAndNumbers() {
        let tcp = Int32(IPPROTO_TCP)
        let expected: [SocketOptionName: (Int32, Int32)] = [
            .error: (SOL_SOCKET, SO_ERROR), .reuseAddress: (SOL_SOCKET, SO_REUSEADDR), .linger: (SOL_SOCKET, SO_LINGER),
            .receiveBufferSize: (SOL_SOCKET, SO_RCVBUF), .sendBufferSize: (SOL_SOCKET, SO_SNDBUF),
            .keepalive: (SOL_SOCKET, SO_KEEPALIVE), .noDelay: (tcp, TCP_NODELAY), .maximumSegmentSize: (tcp, TCP_MAXSEG),
            .keepaliveIdle: (tcp, TCP_KEEPIDLE), .keepaliveInterval: (tcp, TCP_KEEPINTVL), .keepaliveCount: (tcp, TCP_KEEPCNT),
            .userTimeout: (tcp, TCP_USER_TIMEOUT), .congestionControl: (tcp, TCP_CONGESTION),
            .cork: (tcp, TCP_CORK), .notSentLowWater: (tcp, TCP_NOTSENT_LOWAT), .receiveQueueHint: (tcp, TCP_INQ),
            .fastOpenConnect: (tcp, TCP_FASTOPEN_CONNECT), .zerocopy: (SOL_SOCKET, SO_ZEROCOPY),
            .freeBind: (Int32(IPPROTO_IP), IP_FREEBIND),
            .bindAddressNoPort: (Int32(IPPROTO_IP), IP_BIND_ADDRESS_NO_PORT),
            // IP_LOCAL_PORT_RANGE (Linux 6.3, uapi linux/in.h) is newer than this libc's headers.
            .localPortRange: (Int32(IPPROTO_IP), 51),
            // SO_TIMESTAMPING is a sizeof expression in the headers; on 64-bit Linux it is SO_TIMESTAMPING_OLD.
            .timestamping: (SOL_SOCKET, SO_TIMESTAMPING_OLD),
            // FreeBSD's TCP_KEEPINIT (netinet/tcp.h); no Linux option has this number.
            .keepaliveInit: (tcp, 128),
            .timeToLive: (Int32(IPPROTO_IP), IP_TTL), .typeOfService: (Int32(IPPROTO_IP), IP_TOS),
            .unicastHops: (Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS), .trafficClass: (Int32(IPPROTO_IPV6), IPV6_TCLASS),
        ]
        #expect(expected.count == SocketOptionName.allCases.count)
        for (name, (level, number)) in expected {
            #expect(name.level == level && name.number == number, "\(name.linuxName)")
            #expect(SocketOptionName(level: level, number: number) == name)
            #expect(SocketOptionName(linuxName: name.linuxName) == name)
        }
    }
}
