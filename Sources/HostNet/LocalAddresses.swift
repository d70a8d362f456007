#if canImport(Glibc)
import Glibc
#endif
import SelfConnectGuard

/// The addresses of this machine's interfaces in the current network namespace.
public enum LocalAddresses {
    /// True when `address` belongs to this machine: all of 127.0.0.0/8, ::1, or an interface address
    /// (a v4-mapped IPv6 address counts as its IPv4 form).
    public static func contains(_ address: SocketIP) -> Bool {
        let address = address.canonical
        if case .v4(let a) = address, a >> 24 == 127 { return true }
        if address == .v6(high: 0, low: 1) { return true }
        return current().contains(address)
    }

    /// Interface addresses from getifaddrs(3).
    public static func current() -> Set<SocketIP> {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return [] }
        defer { freeifaddrs(head) }
        var found: Set<SocketIP> = []
        var cursor = head
        while let entry = cursor {
            if let sa = entry.pointee.ifa_addr {
                let family = Int32(sa.pointee.sa_family)
                if family == AF_INET || family == AF_INET6 {
                    var storage = sockaddr_storage()
                    withUnsafeMutableBytes(of: &storage) { dst in
                        let size = family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size
                        dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: size))
                    }
                    if let endpoint = SocketEndpoint(storage) { found.insert(endpoint.address) }
                }
            }
            cursor = entry.pointee.ifa_next
        }
        return found
    }
}
