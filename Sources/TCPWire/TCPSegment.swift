/// A TCP header and its payload (RFC 9293 §3.1).
public struct TCPSegment: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// As found on the wire, or as last filled by the emitter.
    public var checksum: UInt16
    public var urgentPointer: UInt16
    /// The three reserved bits between the data offset and AE, kept for exact re-emission.
    public var reserved: UInt8
    public var options: TCPOptions
    public var payload: [UInt8]

    public init(
        sourcePort: UInt16, destinationPort: UInt16,
        sequenceNumber: UInt32, acknowledgmentNumber: UInt32 = 0,
        flags: TCPFlags, window: UInt16,
        checksum: UInt16 = 0, urgentPointer: UInt16 = 0, reserved: UInt8 = 0,
        options: TCPOptions = TCPOptions(), payload: [UInt8] = []
    ) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.checksum = checksum
        self.urgentPointer = urgentPointer
        self.reserved = reserved
        self.options = options
        self.payload = payload
    }

    /// Header length in bytes: 20 plus the padded options.
    public var headerLength: Int { 20 &+ options.paddedCount }

    /// Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 §3.4).
    public var sequenceLength: Int {
        payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    }
}
