/// Reads pcapng files (what tshark writes by default): section headers in either byte order,
/// interface descriptions with their link type and timestamp resolution, enhanced, simple and
/// obsolete packet blocks. Other blocks are skipped.
public struct PcapNGReader: Sendable {
    private struct Interface {
        var linkType: LinkType
        var snapLength: Int
        /// Timestamp units per second (if_tsresol, default microseconds).
        var unitsPerSecond: UInt64
    }

    private let bytes: [UInt8]
    private var position = 0
    private var bigEndian = false
    private var interfaces: [Interface] = []

    static let sectionHeader: UInt32 = 0x0a0d_0d0a

    /// Checks the section-header magic and keeps the bytes; records are read by `nextRecord()`.
    public init(bytes: [UInt8]) throws(PcapError) {
        guard bytes.count >= 4 else { throw .truncatedFileHeader(available: bytes.count) }
        let magic = PcapReader.u32(bytes, 0, true)
        guard magic == Self.sectionHeader else { throw .notPcap(magic: magic) }
        self.bytes = bytes
    }

    private func u16(_ i: Int) -> UInt16 {
        let v = UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
        return bigEndian ? v : v.byteSwapped
    }

    private func u32(_ i: Int) -> UInt32 { PcapReader.u32(bytes, i, bigEndian) }

    /// The next packet record; nil at a clean end of file.
    public mutating func nextRecord() throws(PcapError) -> PcapRecord? {
        while position < bytes.count {
            let start = position
            guard start + 12 <= bytes.count else {
                throw .truncatedRecord(offset: start, needed: 12, available: bytes.count - start)
            }
            let type = PcapReader.u32(bytes, start, true) == Self.sectionHeader ? Self.sectionHeader : u32(start)
            if type == Self.sectionHeader {
                // The byte-order magic decides how this section's numbers read, its own length included.
                switch PcapReader.u32(bytes, start + 8, true) {
                case 0x1a2b_3c4d: bigEndian = true
                case 0x4d3c_2b1a: bigEndian = false
                case let m: throw .corruptBlock(offset: start, reason: "byte-order magic 0x\(String(m, radix: 16))")
                }
                interfaces = []
            }
            let length = Int(u32(start + 4))
            guard length >= 12, length % 4 == 0 else {
                throw .corruptBlock(offset: start, reason: "block length \(length)")
            }
            guard start + length <= bytes.count else {
                throw .truncatedRecord(offset: start, needed: length, available: bytes.count - start)
            }
            guard Int(u32(start + length - 4)) == length else {
                throw .corruptBlock(offset: start, reason: "trailing length differs from \(length)")
            }
            position = start + length
            let body = start + 8
            let bodyEnd = start + length - 4
            switch type {
            case 1:
                try readInterface(body: body, end: bodyEnd, block: start)
            case 6, 2:
                // Enhanced (6) and obsolete (2) packet blocks share the layout after the interface field.
                guard body + 20 <= bodyEnd else { throw .corruptBlock(offset: start, reason: "short packet block") }
                let id = type == 6 ? Int(u32(body)) : Int(u16(body))
                let stamp = UInt64(u32(body + 4)) << 32 | UInt64(u32(body + 8))
                let captured = Int(u32(body + 12))
                let original = Int(u32(body + 16))
                return try record(
                    block: start, interface: id, stamp: stamp, data: body + 20, captured: captured,
                    original: original, end: bodyEnd
                )
            case 3:
                guard body + 4 <= bodyEnd else { throw .corruptBlock(offset: start, reason: "short simple packet block") }
                let original = Int(u32(body))
                let snap = interfaces.first.map { $0.snapLength } ?? 0
                let captured = Swift.min(original, bodyEnd - body - 4, snap == 0 ? Int.max : snap)
                return try record(
                    block: start, interface: 0, stamp: 0, data: body + 4, captured: captured, original: original,
                    end: bodyEnd
                )
            default:
                continue
            }
        }
        return nil
    }

    private mutating func readInterface(body: Int, end: Int, block: Int) throws(PcapError) {
        guard body + 8 <= end else { throw .corruptBlock(offset: block, reason: "short interface block") }
        var interface = Interface(
            linkType: LinkType(rawValue: UInt32(u16(body))), snapLength: Int(u32(body + 4)), unitsPerSecond: 1_000_000
        )
        var i = body + 8
        while i + 4 <= end {
            let code = u16(i)
            let length = Int(u16(i + 2))
            guard i + 4 + length <= end else { throw .corruptBlock(offset: block, reason: "option overruns block") }
            if code == 0 { break }
            if code == 9, length >= 1 {
                // if_tsresol: high bit set means a power of two, else a power of ten.
                let v = bytes[i + 4]
                let exponent = UInt64(v & 0x7f)
                guard exponent <= (v & 0x80 != 0 ? 63 : 19) else {
                    throw .corruptBlock(offset: block, reason: "timestamp resolution \(v)")
                }
                interface.unitsPerSecond = v & 0x80 != 0
                    ? 1 << exponent : (0..<exponent).reduce(1) { r, _ in r * 10 }
            }
            i += 4 + (length + 3) & ~3
        }
        interfaces.append(interface)
    }

    private func record(
        block: Int, interface id: Int, stamp: UInt64, data: Int, captured: Int, original: Int, end: Int
    ) throws(PcapError) -> PcapRecord {
        guard id < interfaces.count else {
            throw .corruptBlock(offset: block, reason: "packet names interface \(id) before its description")
        }
        guard captured <= PcapReader.maximumRecordLength, data + captured <= end else {
            throw .corruptRecord(offset: block, capturedLength: captured)
        }
        let interface = interfaces[id]
        let units = interface.unitsPerSecond
        let fraction = stamp % units
        let nanos = UInt64((UInt128(fraction) * 1_000_000_000) / UInt128(units))
        return PcapRecord(
            timestamp: PcapTimestamp(seconds: Int64(truncatingIfNeeded: stamp / units), nanoseconds: UInt32(nanos)),
            originalLength: original, data: bytes[data..<data + captured], offset: block, linkType: interface.linkType
        )
    }
}

/// Reads a capture of either format, choosing by its magic number.
public enum CaptureFile {
    /// Every record in `bytes` (classic pcap or pcapng), or the first error.
    public static func records(in bytes: [UInt8]) throws(PcapError) -> [PcapRecord] {
        if bytes.count >= 4, PcapReader.u32(bytes, 0, true) == PcapNGReader.sectionHeader {
            var reader = try PcapNGReader(bytes: bytes)
            var out: [PcapRecord] = []
            while let r = try reader.nextRecord() { out.append(r) }
            return out
        }
        return try PcapReader.records(in: bytes)
    }
}
