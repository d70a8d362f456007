#if canImport(Glibc)
import Glibc
#endif

/// The port-allocation settings of the current network namespace and the kernel release.
public struct KernelSettings: Equatable, Sendable {
    /// `net.ipv4.ip_local_port_range` (it applies to IPv6 too).
    public var localPortRange: ClosedRange<UInt16>
    /// `net.ipv4.ip_local_reserved_ports`.
    public var reservedPorts: PortSet
    /// Kernel release as (major, minor), e.g. (6, 18).
    public var release: (major: Int, minor: Int)

    public init(localPortRange: ClosedRange<UInt16>, reservedPorts: PortSet, release: (major: Int, minor: Int)) {
        self.localPortRange = localPortRange
        self.reservedPorts = reservedPorts
        self.release = release
    }

    public static func == (l: Self, r: Self) -> Bool {
        l.localPortRange == r.localPortRange && l.reservedPorts == r.reservedPorts && l.release == r.release
    }

    /// Since Linux 4.6, connect() tries ports of the same parity as the range's low end first.
    public var prefersEvenPorts: Bool { release >= (4, 6) }

    /// Since Linux 6.3 a socket may narrow its own range with `IP_LOCAL_PORT_RANGE`.
    public var hasPerSocketPortRange: Bool { release >= (6, 3) }

    /// Reads the live settings from /proc/sys and uname(2).
    public static func current() throws(HostNetError) -> KernelSettings {
        let rangePath = "/proc/sys/net/ipv4/ip_local_port_range"
        let reservedPath = "/proc/sys/net/ipv4/ip_local_reserved_ports"
        guard let rangeText = readTextFile(rangePath) else { throw .unreadable(path: rangePath) }
        let bounds = rangeText.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { UInt16($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { throw .unreadable(path: rangePath) }
        guard let reservedText = readTextFile(reservedPath), let reserved = PortSet(parsing: reservedText)
        else { throw .unreadable(path: reservedPath) }
        return KernelSettings(localPortRange: bounds[0]...bounds[1], reservedPorts: reserved, release: kernelRelease())
    }

    static func kernelRelease() -> (major: Int, minor: Int) {
        var names = utsname()
        guard uname(&names) == 0 else { return (0, 0) }
        let release = withUnsafeBytes(of: names.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
    }
}

