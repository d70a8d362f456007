import TCPWire

/// Prints captured packets with TCPWire's tcpdump printer, so `repro --capture` reads like `tcpdump -nn -i lo`
/// (relative sequence numbers after the handshake, options, D-SACK blocks).
public enum CaptureText {
    public static func lines(for packets: [CapturedPacket]) -> [String] {
        var printer = TcpdumpPrinter()
        return packets.map { captured in
            let time = PcapTimestamp(seconds: Int64(captured.seconds), microseconds: UInt32(captured.microseconds))
            return printer.line(forIPBytes: captured.bytes, at: time)
        }
    }
}
