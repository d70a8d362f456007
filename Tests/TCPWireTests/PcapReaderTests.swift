import Foundation
import Testing
@testable import TCPWire

@Suite struct PcapReaderTests {
    static let packets = GeneratedCaptures.script(GeneratedCaptures.a4, GeneratedCaptures.b4)
    static let file = GeneratedCaptures.pcap(packets, linkType: .ethernet)

    @Test func writerOutputReadsBackWithTimesAndPackets() throws {
        let records = try PcapReader.records(in: Self.file)
        #expect(records.count == Self.packets.count)
        for (i, r) in records.enumerated() {
            #expect(r.linkType == .ethernet)
            #expect(r.timestamp.microseconds == GeneratedCaptures.time(i).microseconds)
            let ip = Array(r.data.dropFirst(14))
            var expected = Self.packets[i]
            expected.tcp.options = expected.tcp.options.padded
            expected.fillChecksums()
            #expect(try IPPacket(parsing: ip, verifyChecksums: true) == expected)
        }
    }

    @Test func bigEndianAndNanosecondFilesGiveTheSameRecords() throws {
        let nano = GeneratedCaptures.pcap(Self.packets, nanoseconds: true)
        let a = try PcapReader.records(in: nano)
        let b = try PcapReader.records(in: GeneratedCaptures.byteSwapped(nano))
        #expect(a.map(\.timestamp) == b.map(\.timestamp))
        #expect(a.map { Array($0.data) } == b.map { Array($0.data) })
        #expect(a[1].timestamp.nanoseconds == 1_000_130)
        let reader = try PcapReader(bytes: GeneratedCaptures.byteSwapped(nano))
        #expect(reader.bigEndian && reader.nanosecondResolution && reader.linkType == .raw)
    }

    @Test func shortFileHeaderIsTruncatedAtOffsetZero() {
        #expect(throws: PcapError.truncatedFileHeader(available: 10)) {
            try PcapReader.records(in: Array(Self.file.prefix(10)))
        }
    }

    @Test func wrongMagicIsNotPcap() {
        let text = Array("hello, this is not a capture".utf8)
        #expect(throws: PcapError.notPcap(magic: 0x6865_6c6c)) { try CaptureFile.records(in: text) }
    }

    @Test func recordHeaderCutShortNamesItsOffset() {
        let firstRecordEnd = 24 + 16 + 14 + 60
        #expect(throws: PcapError.truncatedRecord(offset: firstRecordEnd, needed: 16, available: 5)) {
            try PcapReader.records(in: Array(Self.file.prefix(firstRecordEnd + 5)))
        }
    }

    @Test func recordDataCutShortNamesItsOffset() {
        #expect(throws: PcapError.truncatedRecord(offset: 24, needed: 16 + 74, available: 50)) {
            try PcapReader.records(in: Array(Self.file.prefix(24 + 50)))
        }
    }

    @Test func impossibleCapturedLengthIsCorrupt() {
        var b = Self.file
        b[24 + 11] = 0x7f
        #expect(throws: PcapError.corruptRecord(offset: 24, capturedLength: 0x7f00_004a)) {
            try PcapReader.records(in: b)
        }
    }

    @Test func emptyCaptureHasNoRecords() throws {
        #expect(try CaptureFile.records(in: PcapWriter(linkType: .raw).bytes).isEmpty)
    }

    /// tshark's editcap converts our file to pcapng; we must read the same records from it.
    @Test(arguments: [false, true])
    func pcapngFromEditcapPrintsAsTcpdumpDoes(nanoseconds: Bool) throws {
        let editcap = "/usr/bin/editcap"
        try #require(FileManager.default.isExecutableFile(atPath: editcap),
                     "editcap is not installed (bash .ci/run installs wireshark-common)")
        let dir = FileManager.default.temporaryDirectory
        let src = dir.appendingPathComponent("tcpwire-ng-src-\(getpid())-\(nanoseconds).pcap")
        let dst = dir.appendingPathComponent("tcpwire-ng-\(getpid())-\(nanoseconds).pcapng")
        defer { try? FileManager.default.removeItem(at: src); try? FileManager.default.removeItem(at: dst) }
        let packets = Self.packets + GeneratedCaptures.script(GeneratedCaptures.a6, GeneratedCaptures.b6)
        try Data(GeneratedCaptures.pcap(packets, linkType: .ethernet, nanoseconds: nanoseconds)).write(to: src)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: editcap)
        p.arguments = ["-F", "pcapng", src.path, dst.path]
        try p.run()
        p.waitUntilExit()
        let ng = [UInt8](try Data(contentsOf: dst))
        let records = try CaptureFile.records(in: ng)
        let classic = try PcapReader.records(in: [UInt8](try Data(contentsOf: src)))
        #expect(records.map(\.timestamp) == classic.map(\.timestamp))
        #expect(records.map { Array($0.data) } == classic.map { Array($0.data) })
        try Tcpdump.requireInstalled()
        var printer = TcpdumpPrinter()
        #expect(records.map { printer.line(for: $0) } == (try Tcpdump.print(dst)))
    }

    /// A hand-built pcapng: section header, a RAW interface with nanosecond resolution, one
    /// enhanced packet block, in either byte order.
    @Test(arguments: [false, true])
    func handBuiltPcapngReadsInEitherByteOrder(bigEndian: Bool) throws {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xffff)) : u16(UInt16(v & 0xffff)) + u16(UInt16(v >> 16)) }
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            let length = UInt32(12 + body.count)
            return (type == 0x0a0d_0d0a ? [0x0a, 0x0d, 0x0d, 0x0a] : u32(type)) + u32(length) + body + u32(length)
        }
        let packet = ParseEmitTests.synV4
        let stamp: UInt64 = 1_764_078_219_123_456_789
        var file = block(0x0a0d_0d0a, u32(0x1a2b_3c4d) + u16(1) + u16(0) + u32(0xffff_ffff) + u32(0xffff_ffff))
        file += block(1, u16(101) + u16(0) + u32(0) + u16(9) + u16(1) + [9, 0, 0, 0] + u16(0) + u16(0))
        file += block(6, u32(0) + u32(UInt32(stamp >> 32)) + u32(UInt32(stamp & 0xffff_ffff))
            + u32(UInt32(packet.count)) + u32(UInt32(packet.count)) + packet)
        let records = try CaptureFile.records(in: file)
        #expect(records.count == 1)
        #expect(records[0].linkType == .raw)
        #expect(records[0].timestamp == PcapTimestamp(seconds: 1_764_078_219, nanoseconds: 123_456_789))
        #expect(Array(records[0].data) == packet)
        #expect(records[0].offset == 28 + 32)
    }

    @Test func pcapngBlockWithBadTrailerNamesItsOffset() throws {
        // A section header block whose trailing length disagrees with its leading one.
        var b: [UInt8] = [0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0]
        b += [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 24, 0, 0, 0]
        #expect(throws: PcapError.corruptBlock(offset: 0, reason: "trailing length differs from 28")) {
            try CaptureFile.records(in: b)
        }
        b[24] = 28
        #expect(try CaptureFile.records(in: b).isEmpty)
        #expect(throws: PcapError.truncatedRecord(offset: 0, needed: 28, available: 20)) {
            try CaptureFile.records(in: Array(b.prefix(20)))
        }
    }
}
