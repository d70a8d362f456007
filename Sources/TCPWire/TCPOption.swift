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
    case endOfList
    case noOperation
    case maxSegmentSize(UInt16)
    case windowScale(UInt8)
    case sackPermitted
    case sack([SACKBlock])
    case timestamps(value: UInt32, echoReply: UInt32)
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
