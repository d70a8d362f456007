import TCPStack
import TCPWire

extension SimulationReport {
    /// A capture's virtual time as a pcap stamp: the run starts at the epoch, 00:00:00.000000.
    static func pcapTime(_ instant: Instant) -> PcapTimestamp {
        let ns = max(instant.nanoseconds, 0)
        return PcapTimestamp(seconds: ns / 1_000_000_000, nanoseconds: UInt32(ns % 1_000_000_000))
    }

    /// `--trace`: tcpdump -nn lines of the chosen packets (the last refused attempt and the connection);
    /// `all` prints every packet of the run.
    public func traceLines(all: Bool) -> [String] {
        var printer = TcpdumpPrinter()
        return (all ? captures : chosenCaptures).map { printer.line(for: $0.packet, at: Self.pcapTime($0.time)) }
    }

    /// `--pcap`: the whole run as a pcap file, framed the way tcpdump writes `lo` (Ethernet, zero MACs).
    public var pcapBytes: [UInt8] {
        var writer = PcapWriter(linkType: .ethernet)
        for c in captures { writer.append(c.packet, at: Self.pcapTime(c.time)) }
        return writer.bytes
    }
}
