#if canImport(Glibc)
import Glibc
#endif
import CNetlinkShims
import SelfConnectGuard

/// Dumps TCP sockets through NETLINK_SOCK_DIAG (SOCK_DIAG_BY_FAMILY with `inet_diag_req_v2`).
public enum SockDiag {
    /// Every state the kernel knows (the request is a bit mask indexed by state number).
    public static let allStates: UInt32 = 0xffff_ffff

    /// All TCP sockets of the current network namespace, IPv4 then IPv6, in the states of `stateMask`.
    public static func dump(stateMask: UInt32 = allStates) throws(HostNetError) -> [TCPSocketRow] {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_SOCK_DIAG)
        guard fd >= 0 else { throw .system(call: "socket(NETLINK_SOCK_DIAG)", errno: errno) }
        defer { close(fd) }
        // A dump always ends with NLMSG_DONE; the timeout only guards against a kernel that never answers.
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var rows: [TCPSocketRow] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        for (sequence, family) in [AF_INET, AF_INET6].enumerated() {
            try request(fd: fd, family: family, stateMask: stateMask, sequence: UInt32(sequence + 1))
            try receive(fd: fd, buffer: &buffer, into: &rows)
        }
        return rows
    }

    private static func request(fd: Int32, family: Int32, stateMask: UInt32, sequence: UInt32) throws(HostNetError) {
        struct Request {
            var header: nlmsghdr
            var body: inet_diag_req_v2
        }
        var message = Request(header: nlmsghdr(), body: inet_diag_req_v2())
        message.header.nlmsg_len = UInt32(MemoryLayout<Request>.size)
        message.header.nlmsg_type = UInt16(SOCK_DIAG_BY_FAMILY)
        message.header.nlmsg_flags = UInt16(NLM_F_REQUEST | NLM_F_DUMP)
        message.header.nlmsg_seq = sequence
        message.body.sdiag_family = UInt8(family)
        message.body.sdiag_protocol = UInt8(IPPROTO_TCP)
        message.body.idiag_states = stateMask
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        let sent = withUnsafePointer(to: &kernel) { address in
            address.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                withUnsafeBytes(of: &message) {
                    sendto(fd, $0.baseAddress, $0.count, 0, sa, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
        guard sent == MemoryLayout<Request>.size else { throw .system(call: "sendto(sock_diag)", errno: errno) }
    }

    private static func receive(fd: Int32, buffer: inout [UInt8], into rows: inout [TCPSocketRow]) throws(HostNetError) {
        let headerSize = MemoryLayout<nlmsghdr>.size
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .system(call: "recv(sock_diag)", errno: n < 0 ? errno : EPROTO) }
            var failure: Int32 = 0
            let done: Bool? = buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + headerSize <= n {
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                    let type = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
                    guard length >= headerSize, offset + length <= n else { return nil }
                    switch Int32(type) {
                    case NLMSG_DONE: return true
                    case NLMSG_ERROR:
                        // struct nlmsgerr: a negative errno after the header.
                        if length >= headerSize + 4 { failure = -raw.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self) }
                        return nil
                    default:
                        if let row = parse(UnsafeRawBufferPointer(rebasing: raw[(offset + headerSize)..<(offset + length)])) {
                            rows.append(row)
                        }
                    }
                    offset += (length + 3) & ~3  // NLMSG_ALIGN
                }
                return false
            }
            guard let done else {
                if failure > 0 { throw .system(call: "sock_diag", errno: failure) }
                throw .unsupported("sock_diag sent a malformed answer")
            }
            if done { return }
        }
    }

    /// Reads an `inet_diag_msg`: family, state, then the socket id, then uid and inode at the end.
    static func parse(_ msg: UnsafeRawBufferPointer) -> TCPSocketRow? {
        guard msg.count >= MemoryLayout<inet_diag_msg>.size else { return nil }
        let family = Int32(msg[0])
        let state = TCPSocketState(rawValue: msg[1])
        let sport = UInt16(bigEndian: msg.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        let dport = UInt16(bigEndian: msg.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        let local: SocketIP, remote: SocketIP
        if family == AF_INET {
            local = .v4(UInt32(bigEndian: msg.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            remote = .v4(UInt32(bigEndian: msg.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
        } else if family == AF_INET6 {
            local = .v6(high: UInt64(bigEndian: msg.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                        low: UInt64(bigEndian: msg.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            remote = .v6(high: UInt64(bigEndian: msg.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                         low: UInt64(bigEndian: msg.loadUnaligned(fromByteOffset: 32, as: UInt64.self)))
        } else {
            return nil
        }
        let uid = msg.loadUnaligned(fromByteOffset: MemoryLayout<inet_diag_msg>.offset(of: \.idiag_uid)!, as: UInt32.self)
        let inode = msg.loadUnaligned(fromByteOffset: MemoryLayout<inet_diag_msg>.offset(of: \.idiag_inode)!, as: UInt32.self)
        return TCPSocketRow(local: SocketEndpoint(local, sport), remote: SocketEndpoint(remote, dport),
                            state: state, uid: uid, inode: inode)
    }
}
