/// One SACK block: the bytes [left, right) held by the receiver (RFC 2018).
public struct SACKBlock: Hashable, Sendable {
    /// The first sequence number of the block.
    public var left: UInt32
    /// The sequence number just past the block's last byte.
    public var right: UInt32
    /// Builds a block covering [left, right).
    public init(left: UInt32, right: UInt32) {
        self.left = left
        self.right = right
    }
}

/// One TCP option, decoded. Kinds we do not know keep their bytes so they can be re-emitted unchanged.
public enum TCPOption: Hashable, Sendable {
    /// Kind 0: end of the option list; what follows is padding.
    case endOfList
    /// Kind 1: padding between options.
    case noOperation
    /// Kind 2: the largest segment the sender accepts (RFC 9293 §3.7.1); only on a SYN.
    case maxSegmentSize(UInt16)
    /// Kind 3: the window-scale shift count (RFC 7323 §2); only on a SYN.
    case windowScale(UInt8)
    /// Kind 4: SACK may be used (RFC 2018); only on a SYN.
    case sackPermitted
    /// Kind 5: the blocks of data the receiver holds above its cumulative ACK (RFC 2018).
    case sack([SACKBlock])
    /// Kind 8: TSval and TSecr (RFC 7323 §3).
    case timestamps(value: UInt32, echoReply: UInt32)
    /// Any other kind, or a known kind with a malformed length: its bytes, kept for exact re-emission.
    case unknown(kind: UInt8, data: [UInt8])

    /// Bytes this option takes on the wire.
    public var encodedLength: Int {
        switch self {
        case .endOfList, .noOperation: 1
        case .maxSegmentSize: 4
        case .windowScale: 3
        case .sackPermitted: 2
        case .sack(let blocks): 2 + 8 * blocks.count
        case .timestamps: 10
        case .unknown(_, let data): 2 + data.count
        }
    }
}
