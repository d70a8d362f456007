/// Writing an IP packet carrying TCP. Total length / payload length and the protocol are derived.
extension IPPacket {
    /// What the emitter does with the checksum fields.
    public enum ChecksumMode: Sendable {
        /// Compute and write the IPv4 header checksum and the TCP checksum.
        case fill
        /// Write the values stored in the headers (to reproduce bytes exactly, bad checksums included).
        case asStored
    }

    /// Length of the IP header: 20 plus options padded to 32 bits for IPv4, 40 for IPv6.
    public var ipHeaderLength: Int {
        switch ip {
        case .v4(let h): 20 + (h.options.count + 3) & ~3
        case .v6: 40
        }
    }

    /// Bytes the packet takes on the wire.
    public var encodedLength: Int { ipHeaderLength + tcp.encodedLength }

    /// Writes the packet at the start of `out`, which must hold at least `encodedLength` bytes.
    /// Returns the number of bytes written. Performs no allocation.
    @discardableResult
    public func write(to out: UnsafeMutableRawBufferPointer, checksums: ChecksumMode = .fill) -> Int {
        let h = ipHeaderLength
        let total = h + tcp.encodedLength
        precondition(out.count >= total, "output buffer too small for the packet")
        switch ip {
        case .v4(let v4):
            out[0] = 0x40 | UInt8(h / 4)
            out[1] = v4.tos
            out.storeBE16(UInt16(truncatingIfNeeded: total), at: 2)
            out.storeBE16(v4.identification, at: 4)
            out.storeBE16(v4.flagsAndFragmentOffset, at: 6)
            out[8] = v4.ttl
            out[9] = 6
            out.storeBE16(0, at: 10)
            out.storeBE32(v4.source.rawValue, at: 12)
            out.storeBE32(v4.destination.rawValue, at: 16)
            for i in 20..<h { out[i] = i - 20 < v4.options.count ? v4.options[i - 20] : 0 }
            let sum = checksums == .fill
                ? InternetChecksum.of(UnsafeRawBufferPointer(rebasing: out[0..<h])) : v4.headerChecksum
            out.storeBE16(sum, at: 10)
        case .v6(let v6):
            out.storeBE32(6 << 28 | UInt32(v6.trafficClass) << 20 | (v6.flowLabel & 0xfffff), at: 0)
            out.storeBE16(UInt16(truncatingIfNeeded: total - 40), at: 4)
            out[6] = 6
            out[7] = v6.hopLimit
            out.storeBE64(v6.source.high, at: 8)
            out.storeBE64(v6.source.low, at: 16)
            out.storeBE64(v6.destination.high, at: 24)
            out.storeBE64(v6.destination.low, at: 32)
        }
        tcp.write(to: out, at: h, pseudoHeader: checksums == .fill ? (ip.source, ip.destination) : nil)
        return total
    }

    /// Appends the packet to `buffer`. Reuse one buffer (`removeAll(keepingCapacity: true)`)
    /// to emit without allocating.
    public func emit(into buffer: inout [UInt8], checksums: ChecksumMode = .fill) {
        let start = buffer.count
        let n = encodedLength
        buffer.append(contentsOf: repeatElement(0, count: n))
        buffer.withUnsafeMutableBytes { out in
            _ = write(to: UnsafeMutableRawBufferPointer(rebasing: out[start..<start + n]), checksums: checksums)
        }
    }

    /// The packet as bytes.
    public func bytes(checksums: ChecksumMode = .fill) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(encodedLength)
        emit(into: &buffer, checksums: checksums)
        return buffer
    }

    /// Sets the stored IPv4 header checksum and TCP checksum to their correct values.
    public mutating func fillChecksums() {
        let wire = bytes(checksums: .fill)
        wire.withUnsafeBytes { b in
            if case .v4(var h) = ip {
                h.headerChecksum = b.be16(10)
                ip = .v4(h)
            }
            tcp.checksum = b.be16(ipHeaderLength + 16)
        }
    }
}
