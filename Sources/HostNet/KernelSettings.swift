#if canImport(Glibc)
import Glibc
#endif
import TCPStack

/// The port-allocation settings of the current network namespace and the kernel release.
public struct KernelSettings: Equatable, Sendable {
    /// `net.ipv4.ip_local_port_range` (it applies to IPv6 too).
    public var localPortRange: ClosedRange<UInt16>
    /// `net.ipv4.ip_local_reserved_ports`.
    public var reservedPorts: ReservedPorts
    /// Kernel release as (major, minor), e.g. (6, 18).
    public var release: (major: Int, minor: Int)

    /// Settings from their values; `current()` reads those of the calling thread's network namespace.
    public init(localPortRange: ClosedRange<UInt16>, reservedPorts: ReservedPorts, release: (major: Int, minor: Int)) {
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

    /// Reads the live settings from /proc/sys (parsed by TCPStack's `SysctlSnapshot`, as every other sysctl)
    /// and uname(2).
    public static func current() throws(HostNetError) -> KernelSettings {
        let rangePath = "net/ipv4/ip_local_port_range", reservedPath = "net/ipv4/ip_local_reserved_ports"
        let snapshot: SysctlSnapshot
        do {
            snapshot = try SysctlSnapshot(parsing: HostSysctls.read([rangePath, reservedPath]))
        } catch {
            guard case .malformed(let name, _) = error else { throw .unreadable(path: "/proc/sys") }
            throw .unreadable(path: "/proc/sys/" + name.split(separator: ".").joined(separator: "/"))
        }
        guard let range = snapshot.localPortRange else { throw .unreadable(path: "/proc/sys/" + rangePath) }
        guard let reserved = snapshot.reservedPorts else { throw .unreadable(path: "/proc/sys/" + reservedPath) }
        return KernelSettings(localPortRange: range.lower...range.upper, reservedPorts: reserved,
                              release: kernelRelease())
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

