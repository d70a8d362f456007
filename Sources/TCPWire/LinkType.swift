/// A pcap link-layer header type (the LINKTYPE_ registry). Unknown values are kept.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The LINKTYPE_ number as stored in a pcap header (low 26 bits).
    public var rawValue: UInt32
    /// Wraps a LINKTYPE_ number, known or not.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    /// Ethernet; what tcpdump writes for Linux `lo` (zero MACs).
    public static let ethernet = LinkType(rawValue: 1)
    /// Bare IPv4 or IPv6, no link header.
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// Linux cooked capture v1 (16-byte header).
    public static let linuxSLL = LinkType(rawValue: 113)
    /// Bare IPv4 packets, no link header (LINKTYPE_IPV4).
    public static let ipv4 = LinkType(rawValue: 228)
    /// Bare IPv6 packets, no link header (LINKTYPE_IPV6).
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux cooked capture v2 (20-byte header), what `tcpdump -i any` writes.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// The name tcpdump prints for the link type, or `linktype N` for one it has no name for.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .raw: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        default: "linktype \(rawValue)"
        }
    }
}

/// What a link-layer header says about the frame it starts.
public struct LinkFrame: Sendable {
    /// EtherType of the payload (0x0800 IPv4, 0x86DD IPv6), or nil when the link header names none we know.
    public var etherType: UInt16?
    /// Bytes of link header before the network-layer packet.
    public var headerLength: Int
    /// LINUX_SLL2 only: interface index and packet type (0 in, 1 broadcast, 2 multicast, 3 other host, 4 out).
    public var interfaceIndex: UInt32?
    /// LINUX_SLL and LINUX_SLL2 only: the packet type (0 to us, 1 broadcast, 2 multicast, 3 other host, 4 outgoing).
    public var packetType: UInt16?
}

extension LinkType {
    /// Reads the link header at the start of `frame`. Returns nil if the frame is too short for it.
    public func decode(_ frame: UnsafeRawBufferPointer) -> LinkFrame? {
        switch self {
        case .raw, .ipv4, .ipv6:
            guard let first = frame.first else { return nil }
            let type: UInt16? = switch first >> 4 {
            case 4: 0x0800
            case 6: 0x86dd
            default: nil
            }
            return LinkFrame(etherType: type, headerLength: 0)
        case .ethernet:
            guard frame.count >= 14 else { return nil }
            var type = frame.be16(12)
            var length = 14
            // 802.1Q and 802.1ad tags.
            while type == 0x8100 || type == 0x88a8, frame.count >= length + 4 {
                type = frame.be16(length + 2)
                length += 4
            }
            return LinkFrame(etherType: type, headerLength: length)
        case .null, .loop:
            guard frame.count >= 4 else { return nil }
            var family = self == .loop ? frame.be32(0) : frame.loadUnaligned(as: UInt32.self)
            // NULL is in the writer's byte order: a family never needs the high half (as tcpdump decides).
            if family & 0xffff_0000 != 0 { family = family.byteSwapped }
            let type: UInt16? = switch family {
            case 2: 0x0800
            case 24, 28, 30: 0x86dd  // AF_INET6 on NetBSD/OpenBSD, FreeBSD, Darwin (as tcpdump knows them)
            default: nil
            }
            return LinkFrame(etherType: type, headerLength: 4)
        case .linuxSLL:
            guard frame.count >= 16 else { return nil }
            return LinkFrame(etherType: frame.be16(14), headerLength: 16, packetType: frame.be16(0))
        case .linuxSLL2:
            guard frame.count >= 20 else { return nil }
            return LinkFrame(
                etherType: frame.be16(0), headerLength: 20, interfaceIndex: frame.be32(4),
                packetType: UInt16(frame[10])
            )
        default:
            return nil
        }
    }

    /// Whether the reader and printer know this link type.
    public var isSupported: Bool {
        [.null, .ethernet, .raw, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2].contains(self)
    }
}

extension LinkType {
    /// Appends the link header this type puts before an IP packet: zero MACs for Ethernet,
    /// the BSD address family (2 or 24) for NULL (little-endian) and LOOP, and for the Linux
    /// cooked headers an inbound loopback frame on interface 1.
    func appendHeader(to out: inout [UInt8], ipv6: Bool) {
        let etherType: UInt16 = ipv6 ? 0x86dd : 0x0800
        let family: UInt8 = ipv6 ? 24 : 2  // AF_INET6 as BSD writes it; tcpdump knows no Linux value here
        func be16(_ v: UInt16) { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xff)) }
        switch self {
        case .ethernet:
            out.append(contentsOf: repeatElement(0, count: 12))
            be16(etherType)
        case .null:
            out.append(contentsOf: [family, 0, 0, 0])
        case .loop:
            out.append(contentsOf: [0, 0, 0, family])
        case .linuxSLL:
            be16(0)  // packet type: to us
            be16(772)  // ARPHRD_LOOPBACK
            be16(6)
            out.append(contentsOf: repeatElement(0, count: 8))
            be16(etherType)
        case .linuxSLL2:
            be16(etherType)
            be16(0)  // reserved
            out.append(contentsOf: [0, 0, 0, 1])  // interface index
            be16(772)
            out.append(0)  // packet type: to us
            out.append(6)
            out.append(contentsOf: repeatElement(0, count: 8))
        default:
            break
        }
    }
}
