import CPacketDrillABI
import CPluginCaller
import Foundation
import Glibc
import TCPWire
import Testing

/// The calls that were runner-only, through the plugin's C ABI as packetdrill calls them: poll and epoll, ioctl's
/// queue sizes, readv/writev, and the send-queue options.
@Suite struct PluginEventTests {
    static let local = IPv4Address(192, 168, 0, 1), peer = IPv4Address(192, 0, 2, 1)

    /// A plugin with a connection accepted from the peer (port 40000 to 8080): the table, the accepted descriptor
    /// and the stack's ISN.
    struct Connected {
        let plugin: LoadedPlugin
        let child: Int32
        let iss: UInt32
        var t: selfconnect_pd_table { plugin.table }
        var ctx: UnsafeMutableRawPointer? { plugin.context }

        /// The peer's segment carrying `payload` at byte `offset` of its stream.
        func deliver(_ payload: [UInt8], offset: UInt32 = 0) -> Int32 {
            let segment = TCPSegment(sourcePort: 40000, destinationPort: 8080, sequenceNumber: 1 &+ offset,
                acknowledgmentNumber: iss &+ 1, flags: [.ack, .psh], window: 65535, payload: payload)
            return plugin.send(IPPacket(from: .v4(PluginEventTests.peer), to: .v4(PluginEventTests.local), tcp: segment))
        }
    }

    static func connected() throws -> Connected {
        let plugin = try LoadedPlugin(flags: "personality=linux-6 local_ip=192.168.0.1")
        let t = plugin.table, ctx = plugin.context
        let fd = t.sock_socket(ctx, AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(8080).bigEndian
        address.sin_addr.s_addr = local.rawValue.bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { t.sock_bind(ctx, fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        #expect(t.sock_listen(ctx, fd, 1) == 0)
        let syn = TCPSegment(sourcePort: 40000, destinationPort: 8080, sequenceNumber: 0, flags: .syn, window: 65535,
            options: try TCPOptions([.maxSegmentSize(1460)]))
        #expect(plugin.send(IPPacket(from: .v4(peer), to: .v4(local), tcp: syn)) == 0)
        let (synAck, _) = try #require(try plugin.receive())
        let iss = synAck.tcp.sequenceNumber
        let ack = TCPSegment(sourcePort: 40000, destinationPort: 8080, sequenceNumber: 1, acknowledgmentNumber: iss &+ 1,
            flags: .ack, window: 65535)
        #expect(plugin.send(IPPacket(from: .v4(peer), to: .v4(local), tcp: ack)) == 0)
        let child = t.sock_accept(ctx, fd, nil, nil)
        #expect(child == 4)
        return Connected(plugin: plugin, child: child, iss: iss)
    }

    @Test func pollReportsPOLLINOnlyAfterDataArrives() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        var entries = [pollfd(fd: c.child, events: Int16(POLLIN), revents: -1), pollfd(fd: 9, events: Int16(POLLIN), revents: 0)]
        // Nothing to read yet: fd 4 reports nothing, the unopened fd 9 reports POLLNVAL.
        #expect(c.t.sock_poll(c.ctx, &entries[1], 1, 0) == 1)
        #expect(entries[1].revents == Int16(POLLNVAL))
        #expect(c.t.sock_poll(c.ctx, &entries[0], 1, 0) == 0)
        #expect(entries[0].revents == 0)

        #expect(c.deliver(Array("hello".utf8)) == 0)
        #expect(c.t.sock_poll(c.ctx, &entries[0], 1, 0) == 1)
        #expect(entries[0].revents == Int16(POLLIN))
        var both = pollfd(fd: c.child, events: Int16(POLLIN | POLLOUT), revents: 0)
        #expect(c.t.sock_poll(c.ctx, &both, 1, 0) == 1)
        #expect(both.revents == Int16(POLLIN | POLLOUT))
    }

    @Test func ioctlSIOCINQGivesTheQueuedBytesAndReadvScattersThem() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        #expect(c.deliver(Array("hello, world".utf8)) == 0)
        var queued: Int32 = -1
        #expect(selfconnect_pd_ioctl(c.t, c.ctx, c.child, UInt(SIOCINQ), &queued) == 0)
        #expect(queued == 12)

        var first = [UInt8](repeating: 0, count: 5), second = [UInt8](repeating: 0, count: 20)
        let n = first.withUnsafeMutableBytes { a in
            second.withUnsafeMutableBytes { b in
                var iov = [iovec(iov_base: a.baseAddress, iov_len: 5), iovec(iov_base: b.baseAddress, iov_len: 20)]
                return c.t.sock_readv(c.ctx, c.child, &iov, 2)
            }
        }
        #expect(n == 12)
        #expect(first == Array("hello".utf8))
        #expect(Array(second.prefix(7)) == Array(", world".utf8))
        #expect(selfconnect_pd_ioctl(c.t, c.ctx, c.child, UInt(SIOCINQ), &queued) == 0)
        #expect(queued == 0)
        // Requests no socket answers are ENOTTY, as on Linux (sock_do_ioctl).
        #expect(selfconnect_pd_ioctl(c.t, c.ctx, c.child, UInt(TIOCGWINSZ), &queued) == -1)
        #expect(errno == ENOTTY)
    }

    @Test func writevSendsTheConcatenationAndSIOCOUTQCountsItUntilAcked() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        let parts = [Array("GET ".utf8), Array("/ HTTP/1.0".utf8)]
        let sent = parts[0].withUnsafeBytes { a in
            parts[1].withUnsafeBytes { b in
                var iov = [iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: 4),
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: 10)]
                return c.t.sock_writev(c.ctx, c.child, &iov, 2)
            }
        }
        #expect(sent == 14)
        // A buffer missing with a length is EFAULT; a count past UIO_MAXIOV is EINVAL.
        var missing = iovec(iov_base: nil, iov_len: 3)
        #expect(c.t.sock_writev(c.ctx, c.child, &missing, 1) == -1)
        #expect(errno == EFAULT)
        #expect(c.t.sock_writev(c.ctx, c.child, &missing, 1025) == -1)
        #expect(errno == EINVAL)
        let (data, _) = try #require(try c.plugin.receive())
        #expect(data.tcp.payload == Array("GET / HTTP/1.0".utf8))
        var unacked: Int32 = -1
        #expect(selfconnect_pd_ioctl(c.t, c.ctx, c.child, UInt(SIOCOUTQ), &unacked) == 0)
        #expect(unacked == 14)
    }

    @Test func tcpCorkHoldsAPartialSegmentUntilUncorked() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        var on: Int32 = 1
        #expect(c.t.sock_setsockopt(c.ctx, c.child, Int32(IPPROTO_TCP), TCP_CORK, &on, 4) == 0)
        var value: Int32 = 0
        var length = socklen_t(4)
        #expect(c.t.sock_getsockopt(c.ctx, c.child, Int32(IPPROTO_TCP), TCP_CORK, &value, &length) == 0)
        #expect(value == 1)
        let bytes = [UInt8](repeating: 7, count: 100)
        #expect(bytes.withUnsafeBytes { c.t.sock_write(c.ctx, c.child, $0.baseAddress, 100) } == 100)
        // Corked: 100 bytes are less than a segment, so nothing leaves.
        #expect(try c.plugin.receive() == nil)
        var off: Int32 = 0
        #expect(c.t.sock_setsockopt(c.ctx, c.child, Int32(IPPROTO_TCP), TCP_CORK, &off, 4) == 0)
        let (data, _) = try #require(try c.plugin.receive())
        #expect(data.tcp.payload == bytes)
    }

    @Test func edgeTriggeredEpollReportsDataOncePerArrival() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        let epfd = c.t.ev_create(c.ctx, 1)
        #expect(epfd == 5)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLET.rawValue
        event.data.u64 = 0xfeed
        #expect(c.t.ev_ctl(c.ctx, epfd, EPOLL_CTL_ADD, c.child, &event) == 0)
        #expect(c.t.ev_ctl(c.ctx, epfd, EPOLL_CTL_ADD, c.child, &event) == -1)
        #expect(errno == EEXIST)
        var out = [epoll_event](repeating: epoll_event(), count: 4)
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 4, 0) == 0)

        #expect(c.deliver(Array("abc".utf8)) == 0)
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 4, 0) == 1)
        #expect(out[0].events == EPOLLIN.rawValue)
        #expect(out[0].data.u64 == 0xfeed)
        // Edge-triggered: the data is still there, but nothing new arrived.
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 4, 0) == 0)
        #expect(c.deliver(Array("def".utf8), offset: 3) == 0)
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 4, 0) == 1)

        #expect(c.t.ev_ctl(c.ctx, epfd, EPOLL_CTL_DEL, c.child, nil) == 0)
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 4, 0) == 0)
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 0, 0) == -1)
        #expect(errno == EINVAL)
        #expect(c.t.sock_close(c.ctx, epfd) == 0)
        #expect(c.t.ev_wait(c.ctx, epfd, &out, 4, 0) == -1)
        #expect(errno == EBADF)
    }

    @Test func reportingOptionsAreSetAndReadAtTheirLinuxLevels() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        let cases: [(Int32, Int32, Int32)] = [
            (Int32(IPPROTO_TCP), TCP_INQ, 1), (SOL_SOCKET, SO_ZEROCOPY, 1), (Int32(IPPROTO_IP), IP_FREEBIND, 1),
            (Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, 4096), (SOL_SOCKET, SO_TIMESTAMPING_OLD, 0x10 | 0x2 | 0x80),
        ]
        for (level, name, set) in cases {
            var value = set
            #expect(c.t.sock_setsockopt(c.ctx, c.child, level, name, &value, 4) == 0, "\(level) \(name)")
            var read: Int32 = -1
            var length = socklen_t(4)
            #expect(c.t.sock_getsockopt(c.ctx, c.child, level, name, &read, &length) == 0)
            #expect(read == set, "\(level) \(name)")
        }
    }
}

/// A call on packetdrill's syscall thread, while the test plays its main thread.
final class BackgroundCall: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private(set) var result: Int32 = -2

    init(_ body: @escaping @Sendable () -> Int32) {
        Thread.detachNewThread { [self] in
            result = body()
            done.signal()
        }
    }

    /// Whether the call returned within `seconds` of real time.
    func finished(within seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}

extension PluginEventTests {
    @Test func aBlockedPollReturnsZeroOnceItsTimeoutPassesOnTheVirtualClock() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        nonisolated(unsafe) let t = c.t, ctx = c.ctx
        let start = c.plugin.now()
        let call = BackgroundCall {
            var entry = pollfd(fd: 4, events: Int16(POLLIN), revents: -1)
            return t.sock_poll(ctx, &entry, 1, 50)
        }
        // The main thread's sleeps move the clock; the poll returns once 50 ms have passed there (well within the
        // plugin's 10 s real-time bound).
        var returned = false
        for _ in 0..<200 where !returned {
            _ = t.clock_sleep(ctx, 10_000)
            returned = call.finished(within: 0.01)
        }
        #expect(returned)
        #expect(call.result == 0)
        #expect(c.plugin.now() - start >= 50_000)
    }

    @Test func aBlockedEpollWaitReturnsWhenDataArrives() throws {
        let c = try Self.connected()
        defer { c.t.release(c.ctx) }
        nonisolated(unsafe) let t = c.t, ctx = c.ctx
        let epfd = t.ev_create(ctx, 1)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = 4
        #expect(t.ev_ctl(ctx, epfd, EPOLL_CTL_ADD, 4, &event) == 0)
        let call = BackgroundCall {
            var out = epoll_event()
            return t.ev_wait(ctx, epfd, &out, 1, -1)
        }
        #expect(!call.finished(within: 0.05))
        #expect(c.deliver(Array("x".utf8)) == 0)
        #expect(call.finished(within: 5))
        #expect(call.result == 1)
    }
}
