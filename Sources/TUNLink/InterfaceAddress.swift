import TCPWire

/// An IPv4 address with its prefix length, as written on a command line: `10.200.0.2/24`.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefixLength: Int

    public init(address: IPv4Address, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    public init(parsing text: String) throws(TUNLinkError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard parts.count <= 2, octets.count == 4,
              parts[0].split(separator: ".", omittingEmptySubsequences: false).count == 4
        else { throw .invalidArgument("bad IPv4 address '\(text)' (expected A.B.C.D/LEN)") }
        let length = parts.count == 2 ? Int(parts[1]) : 24
        guard let length, (8...30).contains(length) else {
            throw .invalidArgument("bad prefix length in '\(text)' (expected 8...30)")
        }
        address = IPv4Address(octets[0], octets[1], octets[2], octets[3])
        prefixLength = length
        let host = address.rawValue & ~mask
        guard host != 0, host != ~mask else {
            throw .invalidArgument("'\(text)' is the network or broadcast address of its prefix")
        }
    }

    private var mask: UInt32 { UInt32.max << (32 - prefixLength) }

    /// The address the kernel takes on the TUN device: the first host of the prefix, or the second when we hold
    /// the first.
    public var peer: IPv4Address {
        let network = address.rawValue & mask
        let first = IPv4Address(rawValue: network | 1)
        return first == address ? IPv4Address(rawValue: network | 2) : first
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
