#if canImport(Glibc)
import Glibc
#endif
import CBenchShims
import Foundation
import TCPStack
import TCPWire

/// `selfconnect-bench memory`: heap bytes per idle ESTABLISHED connection, buffers excluded.
///
/// Method: one server HostStack accepts 100,000 connections from 100 client HostStacks (1,000 connections each,
/// one address each; the bind table scans linearly, so one client with 100,000 would measure its scan, not
/// memory). Every connection completes the handshake and is accepted; no data moves, so the connections are
/// idle with no timer running. The heap in use (glibc mallinfo2: in-use chunks plus mmapped ones, all arenas)
/// is read before anything is created (H0), with everything established (H1), and after the clients are freed
/// (H2). Passive side: (H2 - H0 - buffers) / N, which includes the server's slot array, its 4-tuple table and
/// their growth slack (Swift arrays double) — what the process really pays. Active side: (H1 - H2 - buffers) / N,
/// which also holds the bind table's entries and 1/1000 of a client stack's fixed cost. Buffer capacity is
/// subtracted (zero for connections that never carried data). Malloc's own chunk headers count.
///
/// Baseline: the kernel's TCB, the object size of the `TCP` slab (struct tcp_sock) read from /proc/slabinfo in
/// the same run (root only; 0 otherwise). A kernel socket with a descriptor also holds a socket inode, a
/// file and a dentry; the note gives that sum too. `SELFCONNECT_BENCH_MEMORY_CONNECTIONS` changes N.
enum MemoryBench {
    static let serverAddress = EngineBench.serverAddress
    static let perClient = 1_000

    static var connectionCount: Int {
        ProcessInfo.processInfo.environment["SELFCONNECT_BENCH_MEMORY_CONNECTIONS"].flatMap(Int.init) ?? 100_000
    }

    static func run() {
        let n = connectionCount
        let stride = MemoryLayout<Connection>.stride
        let slab = kernelSlabSizes()
        let tcb = Double(slab["TCP"] ?? 0)
        let socketTotal = ["TCP", "sock_inode_cache", "filp", "dentry"].compactMap { slab[$0] }.reduce(0, +)
        do {
            let (passive, active) = try measure(connections: n)
            let common = "glibc mallinfo2 heap growth / \(n), buffers subtracted; baseline: /proc/slabinfo TCP objsize; kernel socket with fd (TCP+sock_inode_cache+filp+dentry) \(socketTotal) B; MemoryLayout<Connection>.stride \(stride) B"
            BenchSupport.emit(bench: "memory-passive", value: passive, unit: "bytes/connection", baseline: tcb,
                note: "\(n) accepted idle ESTABLISHED connections in one HostStack; \(common)")
            BenchSupport.emit(bench: "memory-active", value: active, unit: "bytes/connection", baseline: tcb,
                note: "\(n) connect()ed idle ESTABLISHED connections in \((n + perClient - 1) / perClient) HostStacks; \(common)")
        } catch {
            BenchSupport.fail(bench: "memory", error)
        }
    }

    static func measure(connections n: Int) throws -> (passive: Double, active: Double) {
        let h0 = sc_heap_in_use()
        guard h0 > 0 else { throw MemoryError.noAllocatorStatistics }
        // Host 0 is the server, hosts 1... the clients; events are left in the stacks and dropped below.
        var loop = DriveLoop(
            HostStack(addresses: [serverAddress], configuration: .linux6, seed: 1), collectsEvents: false)
        loop.hosts[0].isTracing = false
        let listener = loop.hosts[0].socket()
        try loop.hosts[0].bind(listener, to: Endpoint(serverAddress, 80))
        try loop.hosts[0].listen(listener, backlog: 128)
        var events: [SocketEvent] = []
        let now = Instant.milliseconds(1_000)
        for k in 0..<n {
            let j = 1 + k / perClient
            if j == loop.hosts.count {
                let address = IPAddress.v4(IPv4Address(10, 1, UInt8((j - 1) >> 8), UInt8((j - 1) & 0xff)))
                var client = HostStack(addresses: [address], configuration: .linux6, seed: UInt64(1 + j))
                client.isTracing = false
                _ = loop.add(client)
            }
            let s = loop.hosts[j].socket()
            try loop.hosts[j].connect(s, to: Endpoint(serverAddress, 80), now: now)
            EngineBench.pump(&loop, nil, now: now)  // packets move as values: memory does not depend on the wire format
            _ = try loop.hosts[0].accept(listener)
            guard loop.hosts[j].state(of: s) == .established else { throw MemoryError.notEstablished(k) }
            events.removeAll(keepingCapacity: true)
            loop.hosts[0].drainEvents(into: &events)
            loop.hosts[j].drainEvents(into: &events)
        }
        // Hand the last packet and event buffers back so only connection state stays allocated.
        var hosts = loop.hosts
        loop = DriveLoop(hosts: [])
        for j in hosts.indices {
            _ = hosts[j].takePackets()
            _ = hosts[j].takeEvents()
        }
        events = []
        let h1 = sc_heap_in_use()
        let serverBuffers = hosts[0].bufferStorageBytes
        let clientBuffers = hosts.dropFirst().reduce(0) { $0 + $1.bufferStorageBytes }
        guard hosts[0].liveCount == n + 1 else { throw MemoryError.notEstablished(hosts[0].liveCount) }
        // The server must outlive the reading (Swift may free a value after its last use).
        let server = hosts[0]
        let h2 = withExtendedLifetime(server) { () -> Int in
            hosts = []
            return Int(sc_heap_in_use())
        }
        let passive = Double(h2 - Int(h0) - serverBuffers) / Double(n)
        let active = Double(Int(h1) - h2 - clientBuffers) / Double(n)
        return (passive, active)
    }

    /// Object size per slab cache, from /proc/slabinfo (readable by root only).
    static func kernelSlabSizes() -> [String: Int] {
        // procfs reports size 0: read to the end.
        guard let file = FileHandle(forReadingAtPath: "/proc/slabinfo") else { return [:] }
        defer { try? file.close() }
        let text = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        var sizes: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("slabinfo") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count > 3, let size = Int(fields[3]) { sizes[String(fields[0])] = size }
        }
        return sizes
    }

    enum MemoryError: Error {
        case noAllocatorStatistics
        case notEstablished(Int)
    }
}
