#if canImport(Glibc)
import Glibc
#endif

/// What the guard does before the SYN so that the kernel can never pick the destination's own port as the source.
public enum SelfConnectPrevention: Equatable, Sendable {
    /// The socket's source ports are (or are to be) narrowed to this range, which excludes the destination port.
    case narrowed(ClosedRange<UInt16>)
    /// Nothing to prevent: the socket is bound to a port, the destination is another host, or its port lies outside
    /// the socket's ephemeral range.
    case notNeeded
    /// The kernel cannot be told: no `IP_LOCAL_PORT_RANGE` (Linux < 6.3), or the destination port is the only port
    /// in the range. Detection after the connect is the fallback.
    case unsupported

    /// `IP_LOCAL_PORT_RANGE` (Linux 6.3, level `IPPROTO_IP`, also on IPv6 sockets).
    public static let portRangeOption: Int32 = 51

    /// The option's value for `range`: the lower bound in the low 16 bits, the upper in the high 16.
    public static func optionValue(_ range: ClosedRange<UInt16>) -> UInt32 {
        UInt32(range.upperBound) << 16 | UInt32(range.lowerBound)
    }

    /// The range the kernel draws from for a socket: `global` with each bound of the socket's own option value that
    /// lies inside `global` applied (as `inet_sk_get_local_port_range` does).
    public static func effectiveRange(global: ClosedRange<UInt16>, socketOption: UInt32) -> ClosedRange<UInt16> {
        var low = global.lowerBound, high = global.upperBound
        let ownLow = UInt16(truncatingIfNeeded: socketOption), ownHigh = UInt16(truncatingIfNeeded: socketOption >> 16)
        if global.contains(ownLow) { low = ownLow }
        if global.contains(ownHigh), ownHigh >= low { high = ownHigh }
        return low...high
    }

    /// The plan for an unbound socket dialling `destination`: narrow to the larger side of `range` that excludes its
    /// port (ties go low), nothing when the port is outside `range` or the destination is not `local`.
    ///
    /// With the port in the middle, about half the range stays usable for this destination; ports on the other side
    /// are never used to reach it (other destinations are unaffected).
    public static func plan(destinationPort port: UInt16, local: Bool, range: ClosedRange<UInt16>) -> Self {
        guard local, range.contains(port) else { return .notNeeded }
        let below = port - range.lowerBound, above = range.upperBound - port
        if below == 0 && above == 0 { return .unsupported }
        return below >= above ? .narrowed(range.lowerBound...(port - 1)) : .narrowed((port + 1)...range.upperBound)
    }

    /// `/proc/sys/net/ipv4/ip_local_port_range` as the calling thread's network namespace has it.
    public static func ephemeralPortRange() throws(SelfConnectError) -> ClosedRange<UInt16> {
        let path = "/proc/sys/net/ipv4/ip_local_port_range"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(call: "open(\(path))", errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { throw .system(call: "read(\(path))", errno: n < 0 ? errno : EIO) }
        let fields = String(decoding: buffer[0..<n], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard fields.count == 2, let low = UInt16(fields[0]), let high = UInt16(fields[1]), low <= high
        else { throw .system(call: "parse(\(path))", errno: EINVAL) }
        return low...high
    }

    /// True when connecting to `address` reaches this host: loopback, the unspecified address (Linux sends it to
    /// loopback), their v4-mapped forms, or an address on one of the interfaces (getifaddrs).
    public static func isThisHost(_ address: SocketIP) -> Bool {
        let address = address.canonical
        switch address {
        case .v4(let a) where a >> 24 == 127 || a == 0: return true
        case .v6(0, let low) where low <= 1: return true
        default: break
        }
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return false }
        defer { freeifaddrs(head) }
        var cursor = head
        while let entry = cursor {
            cursor = entry.pointee.ifa_next
            guard let sa = entry.pointee.ifa_addr else { continue }
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                let sin = UnsafeRawPointer(sa).load(as: sockaddr_in.self)
                if SocketIP.v4(UInt32(bigEndian: sin.sin_addr.s_addr)) == address { return true }
            case AF_INET6:
                let sin6 = UnsafeRawPointer(sa).load(as: sockaddr_in6.self)
                if withUnsafeBytes(of: sin6.sin6_addr, { SocketIP(ipv6Bytes: $0) }).canonical == address { return true }
            default:
                continue
            }
        }
        return false
    }

    /// The plan for a socket whose own `IP_LOCAL_PORT_RANGE` value is `socketOption` (0 when unset), dialling
    /// `destination` from a kernel-chosen port, in the calling thread's network namespace.
    public static func plan(to destination: SocketEndpoint, socketOption: UInt32) throws(SelfConnectError) -> Self {
        let range = effectiveRange(global: try ephemeralPortRange(), socketOption: socketOption)
        guard range.contains(destination.port) else { return .notNeeded }
        return plan(destinationPort: destination.port, local: isThisHost(destination.address), range: range)
    }
}

/// Before `connect(2)`: when `fd` is unbound and `destination` is a port of this host inside the ephemeral range,
/// narrows `fd`'s source ports with `IP_LOCAL_PORT_RANGE` so that the kernel can never pick that port, and no SYN
/// to itself is ever sent. Returns what it did; `.unsupported` leaves detection (``isSelfConnected(fd:)``) to you.
///
/// ```swift
/// let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
/// let server = SocketEndpoint(numericHost: "127.0.0.1", port: 50002)!
/// _ = try preventSelfConnect(fd, to: server)   // .narrowed(50003...60999) with the default range
/// ```
@discardableResult
public func preventSelfConnect(_ fd: Int32, to destination: SocketEndpoint) throws(SelfConnectError) -> SelfConnectPrevention {
    guard try localEndpoint(of: fd).port == 0 else { return .notNeeded }
    var own: UInt32 = 0
    var length = socklen_t(MemoryLayout<UInt32>.size)
    guard getsockopt(fd, Int32(IPPROTO_IP), SelfConnectPrevention.portRangeOption, &own, &length) == 0 else {
        if errno == ENOPROTOOPT { return .unsupported }
        throw .system(call: "getsockopt(IP_LOCAL_PORT_RANGE)", errno: errno)
    }
    let plan = try SelfConnectPrevention.plan(to: destination, socketOption: own)
    guard case .narrowed(let range) = plan else { return plan }
    var value = SelfConnectPrevention.optionValue(range)
    guard setsockopt(fd, Int32(IPPROTO_IP), SelfConnectPrevention.portRangeOption, &value, length) == 0 else {
        if errno == ENOPROTOOPT { return .unsupported }
        throw .system(call: "setsockopt(IP_LOCAL_PORT_RANGE)", errno: errno)
    }
    return plan
}
