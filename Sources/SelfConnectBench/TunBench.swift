#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import TCPStack
import TCPWire
import TUNLink

/// `selfconnect-bench tun`: payload throughput between our stack and the kernel over a TUN device, each way, at
/// MTU 1500 and 65535; baseline: the kernel talking to itself over loopback (iperf3) at the same MTU, measured
/// in the same namespace in the same run.
enum TunBench {
    /// 256 MiB each way; SELFCONNECT_TUN_MIB overrides it (a shorter run for profiling).
    static let bytes = (ProcessInfo.processInfo.environment["SELFCONNECT_TUN_MIB"].flatMap { Int($0) } ?? 256) << 20

    /// Linux 6 with a 256 KiB send buffer; congestion control (CUBIC, initial window 10) and the peer's window
    /// bound the flight. The kernel autotunes its buffers and the engine does not. To retune:
    /// SELFCONNECT_TUN_SNDBUF_KIB, SELFCONNECT_TUN_RCVBUF_KIB (default 128, tcp_rmem[1]), SELFCONNECT_TUN_IW
    /// (initial window in segments).
    static var configuration: TCPConfiguration {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ name: String) -> Int? { environment[name].flatMap { Int($0) } }
        var c = TCPConfiguration.linux6
        c.sendBufferSize = (setting("SELFCONNECT_TUN_SNDBUF_KIB") ?? 256) << 10
        c.receiveBufferDefault = setting("SELFCONNECT_TUN_RCVBUF_KIB").map { $0 << 10 } ?? c.receiveBufferDefault
        c.initialWindowSegments = setting("SELFCONNECT_TUN_IW") ?? c.initialWindowSegments
        return c
    }

    /// The kernel's end: sends `n` bytes to HOST:PORT, or sinks everything from one connection on PORT.
    static let peer = #"""
import socket, sys
mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if mode == "send":
    s = socket.create_connection((host, port), timeout=30)
    buf = bytes(1 << 20)
    left = n
    while left:
        k = min(left, len(buf))
        s.sendall(buf[:k] if k < len(buf) else buf)
        left -= k
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
else:
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((host, port))
    l.listen(1)
    l.settimeout(30)
    c, _ = l.accept()
    buf = bytearray(1 << 20)
    total = 0
    while True:
        k = c.recv_into(buf)
        if not k:
            break
        total += k
    c.close()
    print(total, flush=True)
"""#

    /// The links measured: MTU 1500 and 65535 with TUN offloads (TSO/GRO-sized segments both ways, as the kernel's
    /// loopback has them), and MTU 1500 without, one MSS per packet.
    static let cases: [(mtu: Int, offloads: Bool)] = [(1500, true), (65535, true), (1500, false)]

    static func run() {
        for (mtu, offloads) in cases {
            do {
                let link = try TUNLink(
                    namespaceName: "scbench-tun-\(getpid())",
                    address: InterfaceAddress(address: IPv4Address(10, 201, 0, 2), prefixLength: 24), mtu: mtu,
                    offloads: offloads)
                defer { link.remove() }
                let baseline = try loopbackBaseline(link: link, mtu: mtu)
                let suffix = "mtu\(mtu)" + (offloads ? "" : "-no-offload")
                let how = offloads ? "TUN offloads on (TSO, 64 KiB segments)" : "TUN offloads off"
                let inbound = try kernelToStack(link: link)
                BenchSupport.emit(bench: "tun-kernel-to-stack-\(suffix)", value: inbound, unit: "Gbit/s",
                    baseline: baseline,
                    note: "kernel sends \(bytes >> 20) MiB to our stack over TUN, \(how); baseline iperf3 on lo, MTU \(mtu)")
                let outbound = try stackToKernel(link: link)
                BenchSupport.emit(bench: "tun-stack-to-kernel-\(suffix)", value: outbound, unit: "Gbit/s",
                    baseline: baseline,
                    note: "our stack sends \(bytes >> 20) MiB to the kernel over TUN, \(how); baseline iperf3 on lo, MTU \(mtu)")
            } catch {
                BenchSupport.fail(bench: "tun", error)
            }
        }
    }

    /// Kernel loopback in the namespace with lo's MTU set to `mtu`: iperf3 for 3 s.
    static func loopbackBaseline(link: TUNLink, mtu: Int) throws -> Double {
        let ns = link.namespace.name
        try link.namespace.ip(["link", "set", "lo", "mtu", String(min(mtu, 65536))])
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        server.arguments = ["netns", "exec", ns, "iperf3", "-s", "-1", "-p", "5201"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            if server.isRunning { server.terminate() }
            server.waitUntilExit()
        }
        usleep(300_000)
        let json = try BenchSupport.output("/usr/sbin/ip",
            ["netns", "exec", ns, "iperf3", "-c", "127.0.0.1", "-p", "5201", "-t", "3", "-J"])
        guard let data = json.data(using: .utf8),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let end = object["end"] as? [String: Any],
              let received = end["sum_received"] as? [String: Any],
              let bps = received["bits_per_second"] as? Double
        else { throw BenchError.unexpected("iperf3 output: \(json.prefix(200))") }
        return bps / 1e9
    }

    /// Our listener sinks what a kernel client sends; Gbit/s from accept to end of stream.
    static func kernelToStack(link: TUNLink) throws -> Double {
        var driver = TUNDriver(link: link, configuration: configuration, seed: 3, tap: nil)
        let listener = driver.stack.socket()
        try driver.stack.bind(listener, to: Endpoint(.v4(link.stackAddress), 9000))
        try driver.stack.listen(listener, backlog: 8)
        let sender = try python(link, ["send", "\(link.stackAddress)", "9000", String(bytes)])
        defer { finish(sender) }
        var socket: SocketID?
        var total = 0
        var start: Instant?
        var end: Instant?
        _ = try driver.run(for: .seconds(120)) { driver, _, now in
            if socket == nil, let s = try? driver.stack.accept(listener) {
                socket = s
                start = now
            }
            guard let s = socket else { return false }
            while let chunk = try? driver.stack.receive(s, now: now) {
                if chunk.isEmpty {
                    end = now
                    try? driver.stack.close(s, now: now)
                    return true
                }
                total += chunk.count
            }
            return false
        }
        guard let start, let end, total == bytes else { throw BenchError.unexpected("received \(total) of \(bytes)") }
        return Double(total) * 8 / Double((end - start).nanosecondsValue)
    }

    /// Our client sends to a kernel sink; Gbit/s from connect to the kernel's FIN (all data acknowledged).
    static func stackToKernel(link: TUNLink) throws -> Double {
        var driver = TUNDriver(link: link, configuration: configuration, seed: 4, tap: nil)
        let sink = try python(link, ["sink", "\(link.kernelAddress)", "9001", "0"])
        defer { finish(sink) }
        let remote = Endpoint(.v4(link.kernelAddress), 9001)
        let block = [UInt8](repeating: 0, count: 65536)
        var socket: SocketID?
        var connected = false
        var retryAt = Instant.zero
        var sent = 0
        var start: Instant?
        var end: Instant?
        _ = try driver.run(for: .seconds(120)) { driver, events, now in
            for event in events {
                switch event {
                case .connected: connected = true
                case .refused(let s):
                    try? driver.stack.close(s, now: now)
                    socket = nil
                    retryAt = now + .milliseconds(20)
                case .peerClosed:
                    end = now
                    return true
                default: break
                }
            }
            if socket == nil, now >= retryAt {
                let s = driver.stack.socket()
                if (try? driver.stack.connect(s, to: remote, now: now)) != nil { socket = s }
            }
            guard let s = socket, connected else { return false }
            if start == nil { start = now }
            while sent < bytes, let n = try? driver.stack.send(s, Array(block[0..<min(block.count, bytes - sent)]), now: now),
                  n > 0 {
                sent += n
                if sent == bytes { try? driver.stack.shutdown(s, .write, now: now) }
            }
            return false
        }
        guard let start, let end, sent == bytes else { throw BenchError.unexpected("sent \(sent) of \(bytes)") }
        return Double(sent) * 8 / Double((end - start).nanosecondsValue)
    }

    static func python(_ link: TUNLink, _ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", link.namespace.name, "python3", "-c", peer] + arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func finish(_ p: Process) {
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
    }

    enum BenchError: Error { case unexpected(String) }
}
