import Foundation
import TCPStack
import TCPWire
import Testing
import TUNLink

/// 10 MB each way between our stack and the kernel, checked with SHA-256 on both ends.
@Suite(.serialized)
struct InteropBulkTests {
    static let size = 10 * 1024 * 1024

    @Test func kernelClientSendsAndReceivesTenMegabytesThroughOurListener() throws {
        try kernelClientExchange(offloads: false)
    }

    @Test func ourClientSendsAndReceivesTenMegabytesWithKernelListener() throws {
        try ourClientExchange(offloads: false)
    }

    /// With TUN offloads the kernel hands us segments above the MSS and cuts ours at the MSS: the bytes are the
    /// same, and segments larger than the 1448-byte MSS of the 1500-byte link crossed both ways.
    @Test func tenMegabytesEachWayWithTUNOffloadsAtMTU1500() throws {
        for run in [try kernelClientExchange(offloads: true), try ourClientExchange(offloads: true)]
        where run.hasRun {
            #expect(run.fromKernel > 1448, "no large segment from the kernel")
            #expect(run.toKernel > 1448, "no large segment to the kernel")
        }
    }

    /// The largest payloads each way, to show whether large segments crossed.
    struct Largest {
        var hasRun = false
        var fromKernel = 0
        var toKernel = 0
    }

    @discardableResult
    private func kernelClientExchange(offloads: Bool) throws -> Largest {
        guard interopAvailable() else { return Largest() }
        var run = try InteropRun(tag: offloads ? "bulk1o" : "bulk1", offloads: offloads)
        let ours = deterministicBytes(count: Self.size, seed: 1)
        let listener = run.driver.stack.socket()
        try run.driver.stack.bind(listener, to: Endpoint(.v4(run.us), 9000))
        try run.driver.stack.listen(listener, backlog: 8)
        let peer = try run.peer("client-bulk", port: 9000, String(Self.size))
        var transfer = BulkTransfer(outgoing: ours, sendAfterEndOfStream: true)
        let finished = try run.driver.run(for: .seconds(120)) { driver, events, now in
            if transfer.socket == nil { transfer.socket = try? driver.stack.accept(listener) }
            transfer.step(&driver.stack, now)
            return transfer.closed && !peer.isRunning
        }
        try check(run: run, peer: peer, finished: finished, transfer: transfer, ours: ours)
        return Largest(hasRun: true, fromKernel: run.driver.largestPayloadFromKernel,
                       toKernel: run.driver.largestPayloadToKernel)
    }

    @discardableResult
    private func ourClientExchange(offloads: Bool) throws -> Largest {
        guard interopAvailable() else { return Largest() }
        var run = try InteropRun(tag: offloads ? "bulk2o" : "bulk2", offloads: offloads)
        let ours = deterministicBytes(count: Self.size, seed: 2)
        let peer = try run.peer("server-bulk", port: 9001, String(Self.size))
        var client = OurClient(remote: Endpoint(.v4(run.kernel), 9001), message: [])
        var transfer = BulkTransfer(outgoing: ours, sendAfterEndOfStream: false)
        let finished = try run.driver.run(for: .seconds(120)) { driver, events, now in
            if transfer.socket == nil {
                client.step(&driver.stack, events, now)
                if client.connected { transfer.socket = client.socket }
            }
            transfer.step(&driver.stack, now)
            return transfer.closed && !peer.isRunning
        }
        try check(run: run, peer: peer, finished: finished, transfer: transfer, ours: ours)
        return Largest(hasRun: true, fromKernel: run.driver.largestPayloadFromKernel,
                       toKernel: run.driver.largestPayloadToKernel)
    }

    private func check(run: InteropRun, peer: KernelPeer, finished: Bool, transfer: BulkTransfer, ours: [UInt8]) throws {
        let lines = peer.lines
        let kernelSent = lines.first { $0.first == "SENT" }
        let kernelReceived = lines.first { $0.first == "RECEIVED" }
        let ourSHA = try sha256Hex(ours)
        let theirsAsReceived = try sha256Hex(transfer.received)
        #expect(finished, "transfer did not finish: sent \(transfer.sent), received \(transfer.received.count)")
        #expect(transfer.received.count == Self.size)
        #expect(kernelSent == ["SENT", String(Self.size), theirsAsReceived], "kernel->us bytes differ")
        #expect(kernelReceived == ["RECEIVED", String(Self.size), ourSHA], "us->kernel bytes differ")
        print("10 MB each way: \(run.driver.tap?.total ?? 0) packets, sha256 ours \(ourSHA.prefix(16))..., "
            + "theirs \(theirsAsReceived.prefix(16))...")
        run.explainIfFailed(peer, finished && kernelSent?.last == theirsAsReceived && kernelReceived?.last == ourSHA)
    }
}

/// One side of a bulk exchange on our stack: reads to end of stream, sends `outgoing` (at once, or after the
/// peer's end of stream), then closes its side.
struct BulkTransfer {
    let outgoing: [UInt8]
    let sendAfterEndOfStream: Bool
    var socket: SocketID?
    var sent = 0
    var received: [UInt8] = []
    var endOfStream = false
    var shutDown = false
    var closed = false

    init(outgoing: [UInt8], sendAfterEndOfStream: Bool) {
        self.outgoing = outgoing
        self.sendAfterEndOfStream = sendAfterEndOfStream
        received.reserveCapacity(outgoing.count)
    }

    mutating func step(_ stack: inout HostStack, _ now: Instant) {
        guard let s = socket, !closed else { return }
        while !endOfStream, let bytes = try? stack.receive(s, now: now) {
            if bytes.isEmpty { endOfStream = true } else { received += bytes }
        }
        if !sendAfterEndOfStream || endOfStream {
            while sent < outgoing.count,
                  let n = try? stack.send(s, Array(outgoing[sent..<min(sent + 65536, outgoing.count)]), now: now), n > 0 {
                sent += n
            }
            if sent == outgoing.count && !shutDown {
                try? stack.shutdown(s, .write, now: now)
                shutDown = true
            }
        }
        if shutDown && endOfStream {
            try? stack.close(s, now: now)
            closed = true
        }
    }
}

/// Bytes from the project's seeded generator: the same seed gives the same 10 MB.
func deterministicBytes(count: Int, seed: UInt64) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for i in words.indices { words[i] = random.next() }
    }
    return bytes
}

/// SHA-256 by Python's hashlib (the same implementation that hashes the kernel side's bytes).
func sha256Hex(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "scproof-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).bin"
    defer { unlink(path) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c",
        "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
