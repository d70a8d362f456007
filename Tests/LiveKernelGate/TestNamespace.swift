#if canImport(Glibc)
import Glibc
#endif

/// A named network namespace for one test (`ip netns add`), loopback up, optionally with its own
/// `ip_local_port_range`; deleted when the value goes away. The host's own sysctls are never touched.
public final class TestNamespace {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let name: String
    public var path: String { "/run/netns/\(name)" }

    public init(prefix: String, portRange: ClosedRange<UInt16>? = nil) throws {
        name = "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard Self.sh("ip netns add \(name)") else { throw Failure(description: "ip netns add \(name) failed") }
        var setup = "ip -n \(name) link set lo up"
        if let range = portRange {
            setup += " && ip netns exec \(name) sh -c 'echo \(range.lowerBound) \(range.upperBound) > /proc/sys/net/ipv4/ip_local_port_range'"
        }
        guard Self.sh(setup) else {
            _ = Self.sh("ip netns del \(name)")
            throw Failure(description: "setting up namespace \(name) failed")
        }
    }

    deinit { _ = Self.sh("ip netns del \(name)") }

    /// Moves the calling thread into the namespace for good (a thread of an event loop the test owns).
    public func enterForGood() throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        // Glibc's module hides setns (_GNU_SOURCE); the symbol is there.
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "setns") else { throw Failure(description: "no setns in libc") }
        let setns = unsafeBitCast(symbol, to: SetNS.self)
        guard setns(fd, 0x4000_0000 /* CLONE_NEWNET */) == 0 else { throw Failure(description: "setns: errno \(errno)") }
    }

    private static func sh(_ command: String) -> Bool { system(command + " >/dev/null 2>&1") == 0 }
}
