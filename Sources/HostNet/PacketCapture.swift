#if canImport(Glibc)
import Glibc
#endif
import CNetlinkShims

/// linux/if_ether.h ETH_P_ALL and linux/sockios.h SIOCGSTAMP (the timeval of the last packet read).
private let ethernetProtocolAll: UInt16 = 0x0003
private let ioctlGetStamp: UInt = 0x8906

/// One packet seen on the loopback: its kernel timestamp and the IP packet (no link header).
public struct CapturedPacket: Sendable, Equatable {
    public var seconds: Int
    public var microseconds: Int
    public var bytes: [UInt8]
}

/// Captures, on `lo`, only TCP segments whose source and destination ports both equal one port: the signature of a
/// self-connected flow, so the refused attempts of a retry loop never fill the buffer.
public struct PacketCapture: ~Copyable {
    private let fd: Int32

    /// Opens an AF_PACKET socket on `lo` with the filter attached before any packet can be queued. Needs root
    /// (CAP_NET_RAW).
    public init(selfConnectPort port: UInt16) throws(HostNetError) {
        // Protocol 0: the socket receives nothing until bind() names ETH_P_ALL, after the filter is in place.
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let code = errno
            if code == EPERM || code == EACCES {
                throw .unsupported("--capture needs root (CAP_NET_RAW) to open an AF_PACKET socket on lo")
            }
            throw .system(call: "socket(AF_PACKET)", errno: code)
        }
        do throws(HostNetError) {
            try Self.attachFilter(fd: fd, port: port)
            // The first SIOCGSTAMP turns on arrival stamps; made now, before any packet, every packet gets one.
            var unused = timeval()
            _ = ioctl(fd, ioctlGetStamp, &unused)
            var buffer: Int32 = 4 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
            var link = sockaddr_ll()
            link.sll_family = UInt16(AF_PACKET)
            link.sll_protocol = ethernetProtocolAll.bigEndian
            link.sll_ifindex = Int32(if_nametoindex("lo"))
            guard link.sll_ifindex > 0 else { throw .unsupported("no loopback interface lo in this namespace") }
            let rc = withUnsafePointer(to: &link) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                }
            }
            guard rc == 0 else { throw .system(call: "bind(AF_PACKET)", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The packets queued so far, in arrival order. On `lo` every packet passes twice (out, then in); like
    /// tcpdump we keep the incoming copy only.
    public func drain() -> [CapturedPacket] {
        var packets: [CapturedPacket] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var from = sockaddr_ll()
            var fromLength = socklen_t(MemoryLayout<sockaddr_ll>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &fromLength)
                    }
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return packets }
            guard Int32(from.sll_pkttype) != PACKET_OUTGOING else { continue }
            var stamp = timeval()
            _ = ioctl(fd, ioctlGetStamp, &stamp)
            packets.append(CapturedPacket(seconds: stamp.tv_sec, microseconds: stamp.tv_usec, bytes: Array(buffer[0..<n])))
        }
    }

    /// Classic BPF over the IP header (SOCK_DGRAM packet sockets start at the network header):
    /// accept TCP whose source port and destination port both equal `port`, for IPv4 and IPv6.
    private static func attachFilter(fd: Int32, port: UInt16) throws(HostNetError) {
        let p = UInt32(port)
        func op(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) -> sock_filter {
            sock_filter(code: code, jt: jt, jf: jf, k: k)
        }
        var program: [sock_filter] = [
            op(0x30, 0, 0, 0),        // 0  ld  b[0]
            op(0x74, 0, 0, 4),        // 1  rsh 4 (IP version)
            op(0x15, 0, 6, 6),        // 2  jeq 6 ? 3 : 9
            op(0x30, 0, 0, 6),        // 3  ld  b[6] (next header; no extension headers on our flows)
            op(0x15, 0, 13, 6),       // 4  jeq TCP ? 5 : drop
            op(0x28, 0, 0, 40),       // 5  ld  h[40] (source port)
            op(0x15, 0, 11, p),       // 6  jeq port ? 7 : drop
            op(0x28, 0, 0, 42),       // 7  ld  h[42] (destination port)
            op(0x05, 0, 0, 7),        // 8  ja  16
            op(0x15, 0, 8, 4),        // 9  jeq 4 ? 10 : drop
            op(0x30, 0, 0, 9),        // 10 ld  b[9] (protocol)
            op(0x15, 0, 6, 6),        // 11 jeq TCP ? 12 : drop
            op(0xb1, 0, 0, 0),        // 12 ldx 4*(b[0]&0xf) (header length)
            op(0x48, 0, 0, 0),        // 13 ld  h[x+0] (source port)
            op(0x15, 0, 3, p),        // 14 jeq port ? 15 : drop
            op(0x48, 0, 0, 2),        // 15 ld  h[x+2] (destination port)
            op(0x15, 0, 1, p),        // 16 jeq port ? accept : drop
            op(0x06, 0, 0, 0x40000),  // 17 accept
            op(0x06, 0, 0, 0),        // 18 drop
        ]
        let rc = program.withUnsafeMutableBufferPointer { filters in
            var fprog = sock_fprog(len: UInt16(filters.count), filter: filters.baseAddress)
            return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, socklen_t(MemoryLayout<sock_fprog>.size))
        }
        guard rc == 0 else { throw .system(call: "setsockopt(SO_ATTACH_FILTER)", errno: errno) }
    }
}
