/// The `struct virtio_net_hdr` that precedes every packet on a TUN opened with IFF_VNET_HDR (Linux
/// include/uapi/linux/virtio_net.h; the legacy layout, in the host's byte order, as tun uses it by default).
/// It says whether the packet is a large segment the other side must cut (GSO / TSO) and whether its TCP
/// checksum is still to be completed.
public struct VirtioNetHeader: Hashable, Sendable {
    /// Bytes on the descriptor (TUNSETVNETHDRSZ is left at this default).
    public static let size = 10

    /// `VIRTIO_NET_HDR_F_NEEDS_CSUM`: the checksum field at `checksumStart + checksumOffset` holds only the
    /// pseudo-header sum; the checksum over `checksumStart...` is still to be computed.
    public static let needsChecksum: UInt8 = 1
    /// `VIRTIO_NET_HDR_GSO_NONE`, `_TCPV4`, `_TCPV6`.
    public static let gsoNone: UInt8 = 0
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoTCPv6: UInt8 = 4

    public var flags: UInt8 = 0
    public var gsoType: UInt8 = 0
    /// Bytes of the IP and TCP headers (copied to each segment).
    public var headerLength: UInt16 = 0
    /// Payload bytes per segment when the packet is cut (the MSS).
    public var gsoSize: UInt16 = 0
    public var checksumStart: UInt16 = 0
    public var checksumOffset: UInt16 = 0

    public init(
        flags: UInt8 = 0, gsoType: UInt8 = 0, headerLength: UInt16 = 0, gsoSize: UInt16 = 0,
        checksumStart: UInt16 = 0, checksumOffset: UInt16 = 0
    ) {
        self.flags = flags
        self.gsoType = gsoType
        self.headerLength = headerLength
        self.gsoSize = gsoSize
        self.checksumStart = checksumStart
        self.checksumOffset = checksumOffset
    }

    /// Reads the header from the first `size` bytes.
    public init(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= Self.size)
        flags = bytes[0]
        gsoType = bytes[1]
        headerLength = bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
        gsoSize = bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        checksumStart = bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        checksumOffset = bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
    }

    /// Writes the header into the first `size` bytes.
    public func write(to out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= Self.size)
        out[0] = flags
        out[1] = gsoType
        out.storeBytes(of: headerLength, toByteOffset: 2, as: UInt16.self)
        out.storeBytes(of: gsoSize, toByteOffset: 4, as: UInt16.self)
        out.storeBytes(of: checksumStart, toByteOffset: 6, as: UInt16.self)
        out.storeBytes(of: checksumOffset, toByteOffset: 8, as: UInt16.self)
    }
}
