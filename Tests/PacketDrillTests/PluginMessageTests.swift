import CPacketDrillABI
import Glibc
import TCPWire
import Testing

/// recvmsg and sendmsg through the plugin's C ABI: control messages laid out as Linux lays them out.
@Suite struct PluginMessageTests {
    /// One control message read back from a msg_control buffer: level, type and data.
    struct Cmsg: Equatable {
        var level: Int32
        var type: Int32
        var data: [UInt8]
    }

    /// The control messages in `buffer[0..<length]`, walked as CMSG_NXTHDR walks them.
    static func cmsgs(_ buffer: [UInt8], length: Int) -> [Cmsg] {
        var out: [Cmsg] = []
        var offset = 0
        while offset + 16 <= length {
            let cmsgLength = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int.self) }
            let level = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 8, as: Int32.self) }
            let type = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: Int32.self) }
            guard cmsgLength >= 16, offset + cmsgLength <= length else { break }
            out.append(Cmsg(level: level, type: type, data: Array(buffer[(offset + 16)..<(offset + cmsgLength)])))
            offset += (cmsgLength + 7) & ~7
        }
        return out
    }

    /// recvmsg into one iovec of `capacity` bytes and a 256-byte control buffer.
    static func recvmsg(_ c: PluginEventTests.Connected, capacity: Int, flags: Int32)
        -> (result: Int, bytes: [UInt8], flags: Int32, control: [Cmsg])
    {
        var data = [UInt8](repeating: 0, count: capacity)
        var control = [UInt8](repeating: 0, count: 256)
        var flagsOut: Int32 = -1
        var controlLength = 0
        let n = data.withUnsafeMutableBytes { d in
            control.withUnsafeMutableBytes { ctl in
                var iov = iovec(iov_base: d.baseAddress, iov_len: capacity)
                return withUnsafeMutablePointer(to: &iov) { iovPointer in
                    var m = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: iovPointer, msg_iovlen: 1,
                        msg_control: ctl.baseAddress, msg_controllen: 256, msg_flags: 0)
                    let n = c.t.sock_recvmsg(c.ctx, c.child, &m, flags)
                    flagsOut = m.msg_flags
                    controlLength = m.msg_controllen
                    return n
                }
            }
        }
        // A failed call leaves the msghdr as it was.
        return (n, Array(data.prefix(max(n, 0))), flagsOut, n < 0 ? [] : cmsgs(control, length: controlLength))
    }

    static func int32(_ bytes: [UInt8], at offset: Int = 0) -> Int32 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
    }

    @Test func recvmsgWithTCPINQCarriesTheBytesLeftToRead() throws {
        let c = try PluginEventTests.connected()
        defer { c.t.release(c.ctx) }
        var on: Int32 = 1
        #expect(c.t.sock_setsockopt(c.ctx, c.child, Int32(IPPROTO_TCP), TCP_INQ, &on, 4) == 0)
        #expect(c.deliver(Array("hello".utf8)) == 0)
        let r = Self.recvmsg(c, capacity: 3, flags: 0)
        #expect(r.result == 3)
        #expect(r.bytes == Array("hel".utf8))
        #expect(r.flags == 0)
        #expect(r.control.count == 1)
        #expect(r.control.first?.level == Int32(IPPROTO_TCP))
        #expect(r.control.first?.type == TCP_CM_INQ)
        #expect(r.control.first.map { Self.int32($0.data) } == 2)
    }

    @Test func aZerocopySendCompletesOnTheErrorQueueOnceAcked() throws {
        let c = try PluginEventTests.connected()
        defer { c.t.release(c.ctx) }
        var on: Int32 = 1
        #expect(c.t.sock_setsockopt(c.ctx, c.child, SOL_SOCKET, SO_ZEROCOPY, &on, 4) == 0)
        // Empty error queue: EAGAIN at once, though the descriptor blocks.
        #expect(Self.recvmsg(c, capacity: 0, flags: Int32(MSG_ERRQUEUE)).result == -1)
        #expect(errno == EAGAIN)

        var payload = [UInt8](repeating: 9, count: 10)
        let sent = payload.withUnsafeMutableBytes { p in
            var iov = iovec(iov_base: p.baseAddress, iov_len: 10)
            return withUnsafeMutablePointer(to: &iov) { iovPointer in
                var m = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: iovPointer, msg_iovlen: 1, msg_control: nil,
                    msg_controllen: 0, msg_flags: 0)
                return c.t.sock_sendmsg(c.ctx, c.child, &m, 0x400_0000)  // MSG_ZEROCOPY
            }
        }
        #expect(sent == 10)
        let (data, _) = try #require(try c.plugin.receive())
        #expect(data.tcp.payload == payload)
        // Not yet acknowledged: nothing completed.
        #expect(Self.recvmsg(c, capacity: 0, flags: Int32(MSG_ERRQUEUE)).result == -1)

        let ack = TCPSegment(sourcePort: 40000, destinationPort: 8080, sequenceNumber: 1, acknowledgmentNumber: c.iss &+ 11,
            flags: .ack, window: 65535)
        #expect(c.plugin.send(IPPacket(from: .v4(PluginEventTests.peer), to: .v4(PluginEventTests.local), tcp: ack)) == 0)
        let r = Self.recvmsg(c, capacity: 0, flags: Int32(MSG_ERRQUEUE))
        #expect(r.result == 0)
        #expect(r.flags == Int32(MSG_ERRQUEUE))
        #expect(r.control.count == 1)
        let ee = try #require(r.control.first)
        #expect(ee.level == Int32(IPPROTO_IP) && ee.type == IP_RECVERR)
        // sock_extended_err: ee_errno 0, ee_origin SO_EE_ORIGIN_ZEROCOPY, ee_info..ee_data the ids 0...0; then the
        // (empty) offender address.
        #expect(ee.data.count == 32)
        #expect(Self.int32(ee.data) == 0)
        #expect(ee.data[4] == 5)
        #expect(Self.int32(ee.data, at: 8) == 0 && Self.int32(ee.data, at: 12) == 0)
    }

    @Test func aControlBufferTooSmallIsMSGCTRUNC() throws {
        let c = try PluginEventTests.connected()
        defer { c.t.release(c.ctx) }
        var on: Int32 = 1
        #expect(c.t.sock_setsockopt(c.ctx, c.child, Int32(IPPROTO_TCP), TCP_INQ, &on, 4) == 0)
        #expect(c.deliver(Array("hi".utf8)) == 0)
        var data = [UInt8](repeating: 0, count: 8)
        var control = [UInt8](repeating: 0, count: 8)
        let (n, flags, length) = data.withUnsafeMutableBytes { d in
            control.withUnsafeMutableBytes { ctl in
                var iov = iovec(iov_base: d.baseAddress, iov_len: 8)
                return withUnsafeMutablePointer(to: &iov) { iovPointer in
                    var m = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: iovPointer, msg_iovlen: 1,
                        msg_control: ctl.baseAddress, msg_controllen: 8, msg_flags: 0)
                    let n = c.t.sock_recvmsg(c.ctx, c.child, &m, 0)
                    return (n, m.msg_flags, m.msg_controllen)
                }
            }
        }
        #expect(n == 2)
        #expect(flags == Int32(MSG_CTRUNC))
        #expect(length == 0)
    }
}

extension PluginMessageTests {
    @Test func aSoftwareSendTimestampCarriesTheSendTimeAndTheLastBytesKey() throws {
        let c = try PluginEventTests.connected()
        defer { c.t.release(c.ctx) }
        // SOF_TIMESTAMPING_TX_SOFTWARE | SOFTWARE | OPT_ID | OPT_TSONLY.
        var flags: Int32 = 0x2 | 0x10 | 0x80 | 0x800
        #expect(c.t.sock_setsockopt(c.ctx, c.child, SOL_SOCKET, SO_TIMESTAMPING_OLD, &flags, 4) == 0)
        #expect(c.t.clock_sleep(c.ctx, 250_000) == 0)
        let sentAt = c.plugin.now()
        let bytes = [UInt8](repeating: 1, count: 10)
        #expect(bytes.withUnsafeBytes { c.t.sock_write(c.ctx, c.child, $0.baseAddress, 10) } == 10)
        #expect(try c.plugin.receive() != nil)

        let r = Self.recvmsg(c, capacity: 64, flags: Int32(MSG_ERRQUEUE))
        // OPT_TSONLY: the message carries no payload.
        #expect(r.result == 0)
        #expect(r.flags == Int32(MSG_ERRQUEUE))
        try #require(r.control.count == 2)
        let ts = r.control[0], ee = r.control[1]
        #expect(ts.level == SOL_SOCKET && ts.type == SO_TIMESTAMPING_OLD)
        #expect(ts.data.count == 48)
        let seconds = ts.data.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
        let nanoseconds = ts.data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int64.self) }
        #expect(seconds * 1_000_000 + nanoseconds / 1000 == sentAt)
        #expect(ee.level == Int32(IPPROTO_IP) && ee.type == IP_RECVERR)
        // ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, SCM_TSTAMP_SND, and the key of the write's last byte (offset 9).
        #expect(Self.int32(ee.data) == ENOMSG)
        #expect(ee.data[4] == 4)
        #expect(Self.int32(ee.data, at: 8) == 0)
        #expect(Self.int32(ee.data, at: 12) == 9)
    }
}
