import TCPStack
import TCPWire

/// What crossed the TUN device, kept to print when something goes wrong: the first `headCount` packets and
/// the last `tailCount` (a long transfer would otherwise bury the handshake or the close).
public struct PacketTap: Sendable {
    public enum Direction: Sendable { case fromKernel, toKernel }

    public struct Entry: Sendable {
        public var time: Instant
        public var direction: Direction
        public var packet: IPPacket
    }

    public let headCount: Int
    public let tailCount: Int
    public private(set) var head: [Entry] = []
    private var tail: [Entry] = []
    private var tailNext = 0
    public private(set) var total = 0

    public init(headCount: Int = 60, tailCount: Int = 60) {
        self.headCount = headCount
        self.tailCount = tailCount
    }

    mutating func record(_ packet: IPPacket, _ direction: Direction, at time: Instant) {
        total += 1
        let entry = Entry(time: time, direction: direction, packet: packet)
        if head.count < headCount {
            head.append(entry)
        } else if tail.count < tailCount {
            tail.append(entry)
        } else if tailCount > 0 {
            tail[tailNext] = entry
            tailNext = (tailNext + 1) % tailCount
        }
    }

    /// The packets kept, oldest first.
    public var entries: [Entry] { head + Array(tail[tailNext...]) + Array(tail[..<tailNext]) }

    /// Every packet kept, one tcpdump line each (`<` from the kernel, `>` from our stack), with a line
    /// marking where packets were skipped.
    public var lines: [String] {
        var printer = TcpdumpPrinter()
        var out: [String] = []
        for (i, e) in entries.enumerated() {
            if i == head.count && total > head.count + tail.count {
                out.append("... \(total - head.count - tail.count) packets not kept ...")
            }
            let ns = e.time.nanoseconds
            let stamp = PcapTimestamp(seconds: ns / 1_000_000_000, nanoseconds: UInt32(ns % 1_000_000_000))
            out.append((e.direction == .fromKernel ? "< " : "> ") + printer.line(for: e.packet, at: stamp))
        }
        return out
    }
}
