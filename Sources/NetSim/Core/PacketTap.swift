import TCPStack
import TCPWire

/// One packet as a tap saw it: when it was handed to an interface, which one, and the packet itself.
public struct CapturedPacket: Hashable, Sendable {
    /// When the packet was handed to the interface, in virtual time.
    public var time: Instant
    /// The interface's name, e.g. `lo` or `eth0`.
    public var interface: String
    /// The packet as the sender handed it over, before any loss or delay.
    public var packet: IPPacket

    /// A captured packet, as the simulator records it.
    public init(time: Instant, interface: String, packet: IPPacket) {
        self.time = time
        self.interface = interface
        self.packet = packet
    }
}

extension IPPacket {
    /// Bytes on the wire: IP header, TCP header with padded options, payload. Used for the link rate.
    var simulatedLength: Int {
        let ipHeader: Int
        switch ip {
        case .v4(let h): ipHeader = 20 + (h.options.count + 3) / 4 * 4
        case .v6: ipHeader = 40
        }
        return ipHeader + tcp.headerLength + tcp.payload.count
    }
}
