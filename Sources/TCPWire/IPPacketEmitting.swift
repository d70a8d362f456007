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
        case .v4(let h): 20 &+ (h.optionBytes.count &+ 3) & ~3
        case .v6: 40
        }
    }

    /// Bytes the packet takes on the wire.
    public var encodedLength: Int { ipHeaderLength &+ tcp.encodedLength }

    /// Writes the packet at the start of `out`, which must hold at least `encodedLength` bytes.
    /// Returns the number of bytes written. Performs no allocation.
    @discardableResult
    public func write(to out: UnsafeMutableRawBufferPointer, checksums: ChecksumMode = .fill) -> Int {
        let h = ipHeaderLength
        let tcpLength = tcp.encodedLength
        let total = h &+ tcpLength
        precondition(out.count >= total, "output buffer too small for the packet")
        let fill = checksums == .fill
        let pseudo: InternetChecksum?
        switch ip {
        case .v4(let v4):
            let p = out.baseAddress!
            // Version/IHL, TOS, total length, identification, flags/fragment offset: one 64-bit store.
            let first = UInt64(0x40 | UInt8(h / 4)) << 56 | UInt64(v4.tos) << 48
                | UInt64(UInt16(truncatingIfNeeded: total)) << 32 | UInt64(v4.identification) << 16
                | UInt64(v4.flagsAndFragmentOffset)
            p.storeBytes(of: first.bigEndian, as: UInt64.self)
            // TTL, protocol, checksum (0 for now), source, destination.
            p.storeBytes(of: (UInt32(v4.ttl) << 24 | 6 << 16).bigEndian, toByteOffset: 8, as: UInt32.self)
            p.storeBytes(
                of: (UInt64(v4.source.rawValue) << 32 | UInt64(v4.destination.rawValue)).bigEndian, toByteOffset: 12,
                as: UInt64.self)
            if h > 20 {
                let options = v4.optionBytes
                for i in 20..<h { out[i] = i - 20 < options.count ? options[i - 20] : 0 }
            }
            if fill {
                var sum = InternetChecksum()
                sum.add(bytes: UnsafeRawBufferPointer(start: p, count: h))
                out.storeBE16(sum.value, at: 10)
            } else {
                out.storeBE16(v4.headerChecksum, at: 10)
            }
            pseudo = fill ? InternetChecksum(pseudoHeader: .v4(v4.source), .v4(v4.destination), tcpLength: tcpLength) : nil
        case .v6(let v6):
            out.storeBE32(6 << 28 | UInt32(v6.trafficClass) << 20 | (v6.flowLabel & 0xfffff), at: 0)
            out.storeBE16(UInt16(truncatingIfNeeded: total - 40), at: 4)
            out[6] = 6
            out[7] = v6.hopLimit
            out.storeBE64(v6.source.high, at: 8)
            out.storeBE64(v6.source.low, at: 16)
            out.storeBE64(v6.destination.high, at: 24)
            out.storeBE64(v6.destination.low, at: 32)
            pseudo = fill ? InternetChecksum(pseudoHeader: .v6(v6.source), .v6(v6.destination), tcpLength: tcpLength) : nil
        }
        tcp.write(to: out, at: h, checksum: pseudo)
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
