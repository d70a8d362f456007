/// A TCP header and its payload (RFC 9293 §3.1).
public struct TCPSegment: Hashable, Sendable {
    /// The sender's port, in host byte order.
    public var sourcePort: UInt16
    /// The receiver's port, in host byte order.
    public var destinationPort: UInt16
    /// SEG.SEQ: the sequence number of the first octet (the ISN on a SYN).
    public var sequenceNumber: UInt32
    /// SEG.ACK: the next sequence number the sender expects; meaningful only with ACK set.
    public var acknowledgmentNumber: UInt32
    /// The control bits; tcpdump prints them as `Flags [S.]` and the like.
    public var flags: TCPFlags
    /// The receive window as sent, before any window scaling.
    public var window: UInt16
    /// As found on the wire, or as last filled by the emitter.
    public var checksum: UInt16
    /// Offset from `sequenceNumber` of the octet after the urgent data; meaningful only with URG set.
    public var urgentPointer: UInt16
    /// The three reserved bits between the data offset and AE, kept for exact re-emission.
    public var reserved: UInt8
    /// The options area, kept as raw bytes.
    public var options: TCPOptions
    /// The data; its first octet has sequence number `sequenceNumber` (plus one after a SYN). A view, not a copy:
    /// an emitted segment's payload points into the send queue, a parsed one's into the packet's bytes.
    public var payload: Payload

    /// Builds a segment; fields not given are zero and `options` and `payload` empty.
    public init(
        sourcePort: UInt16, destinationPort: UInt16,
        sequenceNumber: UInt32, acknowledgmentNumber: UInt32 = 0,
        flags: TCPFlags, window: UInt16,
        checksum: UInt16 = 0, urgentPointer: UInt16 = 0, reserved: UInt8 = 0,
        options: TCPOptions = TCPOptions(), payload: Payload = Payload()
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

    /// Builds a segment whose payload views `payload`'s storage (no copy).
    public init(
        sourcePort: UInt16, destinationPort: UInt16,
        sequenceNumber: UInt32, acknowledgmentNumber: UInt32 = 0,
        flags: TCPFlags, window: UInt16,
        checksum: UInt16 = 0, urgentPointer: UInt16 = 0, reserved: UInt8 = 0,
        options: TCPOptions = TCPOptions(), payload: [UInt8]
    ) {
        self.init(
            sourcePort: sourcePort, destinationPort: destinationPort, sequenceNumber: sequenceNumber,
            acknowledgmentNumber: acknowledgmentNumber, flags: flags, window: window, checksum: checksum,
            urgentPointer: urgentPointer, reserved: reserved, options: options, payload: Payload(payload))
    }

    /// Header length in bytes: 20 plus the padded options.
    public var headerLength: Int { 20 &+ options.paddedCount }

    /// Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 §3.4).
    public var sequenceLength: Int {
        payload.count + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
    }
}
