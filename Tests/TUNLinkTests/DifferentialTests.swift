import Foundation
import HostNet
import NetSim
import TCPStack
import TCPWire
import Testing
import TUNLink

/// The same story on the live kernel (a fresh namespace, tcpdump on its loopback) and in the simulator under the
/// `host` personality, compared segment by segment after normalisation.
@Suite(.serialized)
struct DifferentialTests {
    /// The simulator personality compared with this kernel: `host` (linux-6 with this machine's sysctls);
    /// SELFCONNECT_DIFF_PERSONALITY overrides.
    static let personality = ProcessInfo.processInfo.environment["SELFCONNECT_DIFF_PERSONALITY"] ?? "host"

    static let stories = #"""
import socket, struct, sys, time
story, family = sys.argv[1], sys.argv[2]
fam = socket.AF_INET6 if family == "6" else socket.AF_INET
host = "::1" if family == "6" else "127.0.0.1"
time.sleep(0.05)
if story == "refused":
    s = socket.socket(fam)
    try:
        s.connect((host, 50000))
        print("CONNECTED", flush=True)
    except ConnectionRefusedError:
        print("ECONNREFUSED", flush=True)
    s.close()
elif story == "bound":
    s = socket.socket(fam)
    s.bind((host, 40000))
    s.connect((host, 40000))
    s.sendall(b"test1\r\n")
    print("READ", s.recv(100), flush=True)
    s.close()
elif story == "natural":
    # The article's loop, bounded: a narrow IP_LOCAL_PORT_RANGE (option 51, hi<<16|lo) makes it short.
    deadline = time.time() + 5
    for attempt in range(2000):
        if time.time() > deadline:
            print("GAVE UP", flush=True)
            break
        s = socket.socket(fam)
        s.setsockopt(socket.IPPROTO_IP, 51, struct.pack("I", (50001 << 16) | 49990))
        try:
            s.connect((host, 50000))
        except ConnectionRefusedError:
            s.close()
            continue
        s.sendall(b"test1\r\n")
        print("READ", s.recv(100), "after", attempt + 1, flush=True)
        s.close()
        break
elif story.startswith("echo-"):
    # An echo server (a thread) and a client typing one line; "echo-client-close": the client closes first,
    # "echo-server-close": the server closes after its echo and the client closes on EOF.
    import threading
    srv = socket.socket(fam)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 5001))
    srv.listen(8)
    def serve():
        c, _ = srv.accept()
        while True:
            try:
                data = c.recv(65536)
            except ConnectionResetError:
                print("ECONNRESET", flush=True)
                break
            if not data:
                if story == "echo-half-close":
                    c.sendall(b"bye\r\n")
                break
            c.sendall(data)
            if story == "echo-server-close":
                break
        c.close()
    t = threading.Thread(target=serve)
    t.start()
    s = socket.socket(fam)
    s.connect((host, 5001))
    s.sendall(b"test1\r\n")
    print("READ", s.recv(100), flush=True)
    if story == "echo-reset":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if story == "echo-server-close":
        print("EOF", s.recv(100), flush=True)
    if story == "echo-half-close":
        s.shutdown(socket.SHUT_WR)
        print("AFTER SHUT_WR", s.recv(100), s.recv(100), flush=True)
    s.close()
    t.join(5)
elif story == "bulk":
    # 1 MiB to a discard server (a thread), then close; the server closes on EOF.
    import threading
    srv = socket.socket(fam)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, 5002))
    srv.listen(8)
    def sink():
        c, _ = srv.accept()
        total = 0
        while True:
            data = c.recv(1 << 20)
            if not data:
                break
            total += len(data)
        print("RECEIVED", total, flush=True)
        c.close()
    t = threading.Thread(target=sink)
    t.start()
    s = socket.socket(fam)
    s.connect((host, 5002))
    s.sendall(bytes(1 << 20))
    s.close()
    t.join(10)
time.sleep(0.3)
"""#

    @Test(arguments: [("refused", false), ("refused", true), ("bound", false), ("bound", true),
                      ("natural", false), ("natural", true), ("echo-client-close", false),
                      ("echo-server-close", false), ("echo-reset", false),
                      ("echo-half-close", false)])
    func kernelAndSimulatorAgreeSegmentBySegment(story: String, v6: Bool) throws {
        guard interopAvailable() else { return }
        var kernel = try liveTrace(story: story, v6: v6)
        let options: SimulationOptions
        switch story {
        case "refused":
            options = SimulationOptions(scenario: .refused, host: v6 ? .v6(.loopback) : nil, personality: Self.personality)
        case "natural":
            // The seed story typing one line and quitting, as the kernel client does.
            options = SimulationOptions(scenario: v6 ? .seedV6 : .seed, personality: Self.personality,
                                        lines: ["test1"], quit: true)
        case "echo-client-close":
            options = SimulationOptions(scenario: .echoClientClose, personality: Self.personality)
        case "echo-server-close":
            options = SimulationOptions(scenario: .echoServerClose, personality: Self.personality)
        case "echo-reset":
            options = SimulationOptions(scenario: .echoReset, personality: Self.personality)
        case "echo-half-close":
            options = SimulationOptions(scenario: .halfClose, personality: Self.personality)
        default:
            options = SimulationOptions(scenario: v6 ? .boundSelfConnectV6 : .boundSelfConnect,
                                        personality: Self.personality)
        }
        var packets = try ScenarioRunner.run(
            options,
            stacks: SimulationEngine.stacks(host: try SysctlSnapshot(parsing: HostSysctls.read(SysctlSnapshot.paths)))
        ).captures.map(\.packet)
        if story == "natural" {
            // Only the self-connected socket's segments: the loop's refused attempts (SYN, RST) differ in number
            // and ports between the kernel (its own range and hash) and the simulator, and are not the story.
            // A self-connected socket is the one whose segments go from an endpoint to itself.
            kernel = kernel.filter { $0.source == $0.destination }
            packets = packets.filter { $0.source == $0.destination }
            #expect(!packets.isEmpty, "the simulator's loop never self-connected")
        }
        let simulated = NormalisedSegment.trace(packets)
        let live = NormalisedSegment.trace(kernel)
        let same = live.map(\.compared) == simulated.map(\.compared)
        #expect(!live.isEmpty)
        #expect(same, "\(story) v\(v6 ? 6 : 4): kernel and simulator differ")
        if !same || live.isEmpty { printSideBySide(live, simulated) }
    }

    /// 1 MiB from a client to a discard server. The kernel's segments between handshake and close are not
    /// deterministic, so they are not compared one by one: on lo their sizes come from TSO/GSO (up to 64 KiB,
    /// coalesced from the application's writes as the send queue fills), the ACK pattern from delayed ACKs and
    /// GRO, the window from receive-buffer autotuning, all driven by thread scheduling; our engine sends one
    /// segment per write (16 KiB) and ACKs by its own delayed-ACK state and window updates. Compared, exactly: the
    /// handshake (first three segments, normalised as in the other stories); the payload bytes each way (1 MiB
    /// client to server, 0 back); no RST;
    /// each FIN's direction, position and ack (the client's at 1 MiB + 1, the server's at 1, whichever segment
    /// carries it); the last segment (the client's ACK of the server's FIN). Kept differences, printed and not
    /// compared: data segment count and sizes, pure ACK count, windows advertised during the transfer.
    @Test func bulkTransferAgreesInHandshakeTotalsAndClose() throws {
        guard interopAvailable() else { return }
        let kernel = try liveTrace(story: "bulk", v6: false)
        let packets = try ScenarioRunner.run(
            SimulationOptions(scenario: .bulk, personality: Self.personality),
            stacks: SimulationEngine.stacks(host: try SysctlSnapshot(parsing: HostSysctls.read(SysctlSnapshot.paths)))
        ).captures.map(\.packet)
        let live = BulkSummary(kernel), simulated = BulkSummary(packets)
        #expect(live.clientBytes == 1 << 20)
        #expect(live.handshake.count == 3)
        #expect(live.compared == simulated.compared, "bulk: kernel and simulator differ")
        print("bulk kept differences: data segments kernel \(live.dataSegments) simulator \(simulated.dataSegments); "
            + "largest kernel \(live.largestSegment) simulator \(simulated.largestSegment); "
            + "pure ACKs kernel \(live.pureAcks) simulator \(simulated.pureAcks)")
        if live.compared != simulated.compared {
            print("kernel:    \(live.compared)\nsimulator: \(simulated.compared)")
            printSideBySide(NormalisedSegment.trace(kernel), NormalisedSegment.trace(packets))
        }
    }

    /// Runs `story` in a fresh namespace with tcpdump on lo and returns the captured packets.
    private func liveTrace(story: String, v6: Bool) throws -> [IPPacket] {
        let ns = try NetworkNamespace(name: uniqueNamespaceName("diff"))
        defer { ns.remove() }
        let file = NSTemporaryDirectory() + "\(ns.name).pcap"
        defer { unlink(file) }
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dump.arguments = ["ip", "netns", "exec", ns.name, "tcpdump", "-Z", "root", "-i", "lo", "--immediate-mode", "-B", "65536", "-U", "-s", "0", "-w", file, "tcp"]
        let dumpErr = Pipe()
        dump.standardError = dumpErr
        try dump.run()
        // SIGKILL: the test process may run with SIGINT/SIGTERM blocked, a mask its children inherit;
        // --immediate-mode hands each packet over at once (not when a 1 s ring block times out: a SIGKILL before
        // that lost a whole capture) and -U writes it as it comes. Immediate mode uses one ring frame per packet,
        // sized for lo's 64 KiB MTU: the default 2 MiB ring held ~30 and dropped the rest of a burst (the natural
        // loop's SYN/RST pairs), so -B gives it 64 MiB.
        defer {
            if dump.isRunning { kill(dump.processIdentifier, SIGKILL) }
            dump.waitUntilExit()
        }
        // tcpdump says "listening on lo" on stderr once the capture runs (EOF if it failed).
        var said = ""
        while !said.contains("listening on") {
            let chunk = dumpErr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        #expect(said.contains("listening on"), "tcpdump did not start: \(said)")
        usleep(300_000)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["ip", "netns", "exec", ns.name, "timeout", "20", "python3", "-c", Self.stories, story, v6 ? "6" : "4"]
        try python.run()
        python.waitUntilExit()
        usleep(500_000)
        kill(dump.processIdentifier, SIGKILL)
        dump.waitUntilExit()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        return try PcapReader.records(in: bytes).compactMap { r in
            r.ipBytes.flatMap { try? IPPacket(parsing: $0) }
        }
    }

    private func printSideBySide(_ live: [NormalisedSegment], _ simulated: [NormalisedSegment]) {
        print("kernel".padding(toLength: 120, withPad: " ", startingAt: 0) + " | simulator (host)")
        for i in 0..<max(live.count, simulated.count) {
            let l = i < live.count ? live[i].text : "-"
            let s = i < simulated.count ? simulated[i].text : "-"
            print(l.padding(toLength: 120, withPad: " ", startingAt: 0) + (l == s ? " | " : " X ") + s)
        }
    }
}

/// What the bulk comparison looks at (see `bulkTransferAgreesInHandshakeTotalsAndClose`).
struct BulkSummary {
    var handshake: [String] = []
    var clientBytes = 0, serverBytes = 0, resets = 0
    var fins: [String] = []
    var last = ""
    // Shown, not compared.
    var dataSegments = 0, largestSegment = 0, pureAcks = 0

    init(_ packets: [IPPacket]) {
        let normalised = NormalisedSegment.trace(packets)
        handshake = normalised.prefix(3).map(\.compared)
        let client = packets.first?.source
        for (p, n) in zip(packets, normalised) {
            let fromClient = p.source == client
            if fromClient { clientBytes += p.tcp.payload.count } else { serverBytes += p.tcp.payload.count }
            if p.tcp.flags.contains(.rst) { resets += 1 }
            if p.tcp.flags.contains(.fin), let seq = n.relativeSeq, let ack = n.relativeAck {
                // Where the FIN sits, not which segment carries it: the kernel's FIN rides on the last data
                // segment (`FP.`) when close() finds data still queued, a race with the sending.
                fins.append((fromClient ? "client" : "server") + " FIN at \(seq &+ UInt32(p.tcp.payload.count)) ack \(ack)")
            }
            if !p.tcp.payload.isEmpty { dataSegments += 1 }
            largestSegment = max(largestSegment, p.tcp.payload.count)
            if p.tcp.flags == .ack && p.tcp.payload.isEmpty { pureAcks += 1 }
        }
        last = normalised.last.map { (packets.last?.source == client ? "client " : "server ") + $0.compared } ?? ""
    }

    var compared: String {
        "handshake \(handshake) bytes c>s \(clientBytes) s>c \(serverBytes) resets \(resets) fins \(fins) last \(last)"
    }
}

/// One segment with what differs between runs taken out: sequence numbers relative to the sending side's ISN,
/// acknowledgments and SACK blocks relative to the receiving side's, TS values relative to the first TS value of
/// the trace, times dropped. Ports stay in `text` but are not compared (the kernel's ephemeral port is random),
/// nor are TS values (the kernel's TS clock ticks with real time: a millisecond passes between the
/// handshake and the data on a busy machine); `text` keeps them.
struct NormalisedSegment {
    var compared: String
    var text: String
    var relativeSeq: UInt32? = nil
    var relativeAck: UInt32? = nil

    static func trace(_ packets: [IPPacket]) -> [NormalisedSegment] {
        var isn: [Endpoint: UInt32] = [:]
        var firstTS: UInt32?
        return packets.map { p in
            let t = p.tcp
            if t.flags.contains(.syn) && isn[p.source] == nil { isn[p.source] = t.sequenceNumber }
            let seq = t.sequenceNumber &- (isn[p.source] ?? t.sequenceNumber)
            let ack = t.flags.contains(.ack) ? t.acknowledgmentNumber &- (isn[p.destination] ?? 0) : 0
            var options: [String] = []
            var shown: [String] = []
            let peerISN = isn[p.destination] ?? 0
            for o in t.options {
                switch o {
                case .timestamps(let value, let echo):
                    if firstTS == nil { firstTS = value }
                    let base = firstTS ?? 0
                    options.append("TS")
                    shown.append("TS \(value &- base) ecr \(echo == 0 ? "0" : String(echo &- base))")
                case .sack(let blocks):
                    let text = "sack " + blocks.map { "\($0.left &- peerISN):\($0.right &- peerISN)" }
                        .joined(separator: " ")
                    options.append(text)
                    shown.append(text)
                case .noOperation:
                    options.append("nop")
                    shown.append("nop")
                default:
                    options.append("\(o)")
                    shown.append("\(o)")
                }
            }
            let head = "[\(flagText(t.flags))] seq \(seq) ack \(ack) win \(t.window) "
            let tail = " len \(t.payload.count)"
            return NormalisedSegment(
                compared: head + "[\(options.joined(separator: ","))]" + tail,
                text: "\(p.source.port)>\(p.destination.port) " + head + "[\(shown.joined(separator: ","))]" + tail,
                relativeSeq: seq, relativeAck: ack)
        }
    }
}
