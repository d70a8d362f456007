import TCPWire

/// How a packet of ours becomes a frame on a TUN device with offloads (`TUNDevice.offloads`): a virtio header,
/// then the packet with its TCP checksum left for the kernel to complete (VIRTIO_NET_HDR_F_NEEDS_CSUM, as the
/// kernel's own stack leaves it for a NIC) and, for a segment longer than its MSS, a request to cut it there.
enum OffloadFrame {
    /// The largest TCP payload a frame may carry: an IPv4 packet of 65535 bytes with 60 bytes of TCP header.
    static let maxPayload = 65535 - 20 - 60

    /// Writes `packet` at the start of `out` and returns the frame's length. `mss`: the payload per segment the
    /// kernel cuts a longer segment into.
    static func write(_ packet: IPPacket, mss: Int, into out: UnsafeMutableRawBufferPointer) -> Int {
        let start = VirtioNetHeader.size
        let body = UnsafeMutableRawBufferPointer(rebasing: out[start...])
        let length = packet.write(to: body, checksums: .asStored)
        let ipLength = packet.ipHeaderLength
        if case .v4 = packet.ip {
            // The IPv4 header checksum is ours to fill: the kernel checks it before anything else.
            body[10] = 0
            body[11] = 0
            store(InternetChecksum.of(UnsafeRawBufferPointer(rebasing: body[0..<ipLength])), at: 10, in: body)
        }
        // The checksum field holds the pseudo-header sum, not complemented (Linux CHECKSUM_PARTIAL).
        let pseudo = InternetChecksum(pseudoHeader: packet.ip.source, packet.ip.destination, tcpLength: length - ipLength)
        store(pseudo.sum, at: ipLength + 16, in: body)
        var header = VirtioNetHeader(
            flags: VirtioNetHeader.needsChecksum, headerLength: UInt16(ipLength + packet.tcp.headerLength),
            checksumStart: UInt16(ipLength), checksumOffset: 16)
        if packet.tcp.payload.count > mss {
            if case .v4 = packet.ip { header.gsoType = VirtioNetHeader.gsoTCPv4 } else { header.gsoType = VirtioNetHeader.gsoTCPv6 }
            header.gsoSize = UInt16(mss)
        }
        header.write(to: out)
        return start + length
    }

    private static func store(_ value: UInt16, at offset: Int, in out: UnsafeMutableRawBufferPointer) {
        out[offset] = UInt8(value >> 8)
        out[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
}
