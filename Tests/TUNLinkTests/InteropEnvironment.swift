import Foundation
import Glibc
import TCPStack
import TCPWire
import Testing
import TUNLink

/// Whether this process can create namespaces and TUN devices. Under CI=true a missing capability is a test
/// failure; elsewhere the test is skipped with the reason printed.
func interopAvailable() -> Bool {
    var missing: [String] = []
    if getuid() != 0 { missing.append("root (network namespaces, CAP_NET_ADMIN)") }
    if access("/dev/net/tun", R_OK | W_OK) != 0 { missing.append("/dev/net/tun") }
    for tool in ["/usr/sbin/ip", "/usr/bin/python3"] where access(tool, X_OK) != 0 && !onPath(tool) {
        missing.append(tool)
    }
    guard !missing.isEmpty else { return true }
    let reason = "TUN interop needs: " + missing.joined(separator: ", ")
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record("CI=true and \(reason)")
    } else {
        print("skipped: \(reason)")
    }
    return false
}

private func onPath(_ tool: String) -> Bool {
    let name = tool.split(separator: "/").last.map(String.init) ?? tool
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    return path.split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
}

/// A fresh namespace name per test (tests may run in parallel, several test processes too).
func uniqueNamespaceName(_ tag: String) -> String {
    var random = SystemRandomNumberGenerator()
    return "scproof-\(tag)-\(getpid())-\(UInt16.random(in: 0...UInt16.max, using: &random))"
}

/// The Python peer, run inside the namespace; killed if still running when the test ends.
final class KernelPeer {
    let process = Process()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private var collected: (out: String, err: String)?

    init(namespace: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, "python3", "-c", kernelPeerScript] + arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    deinit { stop() }

    var isRunning: Bool { process.isRunning }

    /// Terminates the peer if it still runs and collects its output.
    @discardableResult
    func stop() -> (out: String, err: String) {
        if let collected { return collected }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let o = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        collected = (o, e)
        return (o, e)
    }

    /// The output lines as word lists, without the listener's READY.
    var lines: [[String]] {
        stop().out.split(separator: "\n").filter { $0 != "READY" }.map { $0.split(separator: " ").map(String.init) }
    }
}

/// One scenario's world: a TUN link in a fresh namespace (kernel 10.200.0.1, our stack 10.200.0.2), our driver,
/// and on failure both traces: our tap and the kernel peer's output.
struct InteropRun {
    let link: TUNLink
    var driver: TUNDriver

    init(tag: String, mtu: Int = 1500, offloads: Bool = false, seed: UInt64 = 7) throws {
        link = try TUNLink(
            namespaceName: uniqueNamespaceName(tag),
            address: InterfaceAddress(address: IPv4Address(10, 200, 0, 2), prefixLength: 24), mtu: mtu,
            offloads: offloads)
        driver = TUNDriver(link: link, seed: seed)
    }

    var kernel: IPv4Address { link.kernelAddress }
    var us: IPv4Address { link.stackAddress }

    func peer(_ mode: String, port: UInt16, _ extra: String = "") throws -> KernelPeer {
        let host = mode.hasPrefix("server") ? kernel : us
        return try KernelPeer(namespace: link.namespace.name, [mode, "\(host)", "\(port)"] + (extra.isEmpty ? [] : [extra]))
    }

    /// Prints our tap and the peer's output when the test has recorded a failure.
    func explainIfFailed(_ peer: KernelPeer?, _ ok: Bool) {
        guard !ok else { return }
        print("---- our tap on \(link.device.name) (\(driver.tap?.total ?? 0) packets) ----")
        for line in driver.tap?.lines ?? [] { print(line) }
        if let peer {
            let o = peer.stop()
            print("---- kernel peer stdout ----\n\(o.out)---- kernel peer stderr ----\n\(o.err)")
        }
    }

    /// The tap's packets, flags only, as tcpdump writes them, with the direction: "> S", "< S.", ...
    var flagTrace: [String] {
        (driver.tap?.entries ?? []).map { e in
            (e.direction == .toKernel ? "> " : "< ") + flagText(e.packet.tcp.flags)
        }
    }
}

/// tcpdump's flag letters: S, F, R, P, then "." for ACK.
func flagText(_ flags: TCPFlags) -> String {
    var s = ""
    if flags.contains(.syn) { s += "S" }
    if flags.contains(.fin) { s += "F" }
    if flags.contains(.rst) { s += "R" }
    if flags.contains(.psh) { s += "P" }
    if flags.contains(.ack) { s += "." }
    return s
}
