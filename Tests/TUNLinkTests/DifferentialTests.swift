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
import socket, sys, time
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
time.sleep(0.3)
"""#

    @Test(arguments: [("refused", false), ("refused", true), ("bound", false), ("bound", true)])
    func kernelAndSimulatorAgreeSegmentBySegment(story: String, v6: Bool) throws {
        guard interopAvailable() else { return }
        let kernel = try liveTrace(story: story, v6: v6)
        let scenario: ScenarioName = story == "refused" ? .refused : (v6 ? .boundSelfConnectV6 : .boundSelfConnect)
        let report = ScenarioRunner.run(
            SimulationOptions(scenario: scenario, host: story == "refused" && v6 ? .v6(.loopback) : nil,
                personality: Self.personality, seed: 1),
            stacks: SimulationEngine.stacks(host: try SysctlSnapshot(parsing: HostSysctls.read(SysctlSnapshot.paths))))
        let simulated = NormalisedSegment.trace(report.captures.map(\.packet))
        let live = NormalisedSegment.trace(kernel)
        let same = live.map(\.compared) == simulated.map(\.compared)
        #expect(!live.isEmpty)
        #expect(same, "\(story) v\(v6 ? 6 : 4): kernel and simulator differ")
        if !same || live.isEmpty { printSideBySide(live, simulated) }
    }

    /// Runs `story` in a fresh namespace with tcpdump on lo and returns the captured packets.
    private func liveTrace(story: String, v6: Bool) throws -> [IPPacket] {
        let ns = try NetworkNamespace(name: uniqueNamespaceName("diff"))
        defer { ns.remove() }
        let file = NSTemporaryDirectory() + "\(ns.name).pcap"
        defer { unlink(file) }
        let dump = Process()
        dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dump.arguments = ["ip", "netns", "exec", ns.name, "tcpdump", "-Z", "root", "-i", "lo", "-U", "-s", "0", "-w", file, "tcp"]
        let dumpErr = Pipe()
        dump.standardError = dumpErr
        try dump.run()
        // SIGKILL: the test process may run with SIGINT/SIGTERM blocked, a mask its children inherit;
        // -U writes each packet as it comes, so nothing is lost.
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
        python.arguments = ["ip", "netns", "exec", ns.name, "python3", "-c", Self.stories, story, v6 ? "6" : "4"]
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

/// One segment with what differs between runs taken out: sequence numbers relative to the sending side's ISN,
/// acknowledgments and SACK blocks relative to the receiving side's, TS values relative to the first TS value of
/// the trace, times dropped. Ports stay in `text` but are not compared (the kernel's ephemeral port is random),
/// nor are TS values (the kernel's TS clock ticks with real time: a millisecond passes between the
/// handshake and the data on a busy machine); `text` keeps them.
struct NormalisedSegment {
    var compared: String
    var text: String

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
                text: "\(p.source.port)>\(p.destination.port) " + head + "[\(shown.joined(separator: ","))]" + tail)
        }
    }
}
