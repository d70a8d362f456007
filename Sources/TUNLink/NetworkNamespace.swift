import CTUNShims
import Glibc

/// A named network namespace created with `ip netns add`, removed by `remove()` or when the last reference
/// goes (so a thrown error on the way cannot leak it). A class because it owns a kernel object.
public final class NetworkNamespace: @unchecked Sendable {
    public let name: String
    private var removed = false

    /// Creates the namespace and brings its loopback up. Fails if a namespace of that name exists.
    public init(name: String) throws(TUNLinkError) {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else { throw .invalidArgument("bad namespace name '\(name)'") }
        guard getuid() == 0 else { throw .notPermitted("network namespaces need root (CAP_SYS_ADMIN)") }
        self.name = name
        // Never overwrite the owner record of a namespace someone else holds.
        guard !Self.exists(name) else {
            removed = true
            throw .invalidArgument("network namespace '\(name)' already exists")
        }
        NamespaceOwners.record(name)
        do {
            _ = try ExternalCommand.run(["ip", "netns", "add", name])
        } catch {
            removed = true
            NamespaceOwners.forget(name)
            throw error
        }
        do {
            try ip(["link", "set", "lo", "up"])
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Deletes the namespace (idempotent). Devices in it go with it once no descriptor holds them.
    public func remove() {
        guard !removed else { return }
        removed = true
        _ = try? ExternalCommand.run(["ip", "netns", "del", name])
        NamespaceOwners.forget(name)
    }

    /// Whether `ip netns` lists a namespace of this name.
    public static func exists(_ name: String) -> Bool {
        access("/run/netns/\(name)", F_OK) == 0
    }

    /// `ip -n NAME ARGS...`.
    public func ip(_ arguments: [String]) throws(TUNLinkError) {
        _ = try ExternalCommand.run(["ip", "-n", name] + arguments)
    }

    /// Runs `body` with the calling thread inside the namespace, then moves the thread back. Sockets and
    /// devices created in `body` stay in the namespace.
    public func withEntered<T>(_ body: () throws(TUNLinkError) -> T) throws(TUNLinkError) -> T {
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw .system(call: "open /proc/thread-self/ns/net", errno: errno) }
        defer { close(original) }
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw .system(call: "open /run/netns/\(name)", errno: errno) }
        defer { close(target) }
        let entered = sc_setns_net(target)
        guard entered == 0 else { throw .notPermitted("setns into \(name): errno \(-entered)") }
        defer {
            // Returning to our own namespace cannot fail with the descriptor we opened; if it did, the thread
            // would stay inside and later sockets would land there, so stop rather than continue wrongly.
            precondition(sc_setns_net(original) == 0, "cannot return to the original network namespace")
        }
        return try body()
    }
}
