import ArgumentParser
import TCPStack
import TUNLink

#if canImport(Glibc)
import Glibc
#endif

struct TunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tun",
        abstract: "Run our TCP stack on a TUN device in a new network namespace, with an echo service.",
        discussion: """
            Creates namespace NAME with a TUN device: the kernel takes the first host address of the prefix, our \
            stack the --address. Try: ip netns exec NAME telnet 10.200.0.2 7. The namespace and the device are \
            removed on exit, on Ctrl-C and on SIGTERM. Both carry this process's pid by default \
            (selfconnect-tun-PID, sctunPID); a namespace left by a run killed with SIGKILL is removed by the next \
            run, which says so.
            """
    )

    @Option(help: "The network namespace to create (it must not exist; default selfconnect-tun-PID).")
    var netns: String?

    private var namespaceName: String { netns ?? "selfconnect-tun-\(getpid())" }

    @Option(help: "Our stack's address and prefix, e.g. 10.200.0.2/24.")
    var address: String = "10.200.0.2/24"

    @Option(help: "The port of the echo service (RFC 862).")
    var echoPort: Int = 7

    @Option(help: "The device MTU.")
    var mtu: Int = 1500

    @Option(help: "Seconds to run (default: until interrupted).")
    var duration: Double?

    @Option(help: "Seed for our ISNs and ports.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...65535).contains(echoPort) else {
            throw ValidationError("--echo-port must be in 1-65535, got \(echoPort)")
        }
        guard (576...65535).contains(mtu) else { throw ValidationError("--mtu must be in 576-65535, got \(mtu)") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive, got \(duration)") }
        do {
            _ = try InterfaceAddress(parsing: address)
        } catch {
            throw ValidationError("--address: \(error)")
        }
        if let netns, NetworkNamespace.exists(netns) {
            throw ValidationError("network namespace '\(netns)' already exists")
        }
    }

    func run() async throws {
        let signals = try SignalWatch()
        defer { signals.remove() }
        for leftover in NamespaceOwners.removeLeftovers() { printError("selfconnect tun: \(leftover)") }
        let netns = namespaceName
        let link: TUNLink
        do {
            link = try TUNLink(namespaceName: netns, address: InterfaceAddress(parsing: address), mtu: mtu,
                               deviceName: "sctun\(getpid())")
        } catch {
            throw ValidationError("cannot set up the TUN link: \(error)")
        }
        defer { link.remove() }
        var driver = TUNDriver(link: link, seed: seed, tap: nil)
        var echo = try EchoService(stack: &driver.stack, address: link.stackAddress, port: UInt16(echoPort))
        print("namespace \(netns): kernel \(link.kernelAddress) on \(link.device.name), our stack \(link.stackAddress), "
            + "echo on port \(echoPort), MTU \(mtu)")
        print("try: ip netns exec \(netns) telnet \(link.stackAddress) \(echoPort)")
        fflush(nil)  // all output streams: a reader on a pipe learns at once that the link is up
        let limit: Duration = duration.map { .milliseconds(Int64($0 * 1000)) } ?? .seconds(365 * 86400)
        let interrupted = try driver.run(for: limit) { driver, events, now in
            echo.step(stack: &driver.stack, events: events, now: now)
            return signals.caught()
        }
        print("\(interrupted ? "interrupted" : "done"): \(echo.acceptedCount) connections, \(echo.echoedBytes) bytes echoed")
    }
}
