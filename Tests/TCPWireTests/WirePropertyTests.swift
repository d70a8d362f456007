import Testing
@testable import TCPWire

/// Properties over many packets from a seeded generator.
@Suite struct WirePropertyTests {
    static func randomPacket(_ r: inout TestRandom) -> IPPacket {
        let tcp = TCPSegment(
            sourcePort: r.u16(), destinationPort: r.u16(), sequenceNumber: r.u32(), acknowledgmentNumber: r.u32(),
            flags: TCPFlags(rawValue: r.u16() & 0x1ff), window: r.u16(), checksum: r.u16(), urgentPointer: r.u16(),
            reserved: r.u8() & 7, options: GeneratedCaptures.randomOptions(&r).padded,
            payload: r.int(0...2) == 0 ? r.bytes(r.int(0...300)) : []
        )
        if r.bool() {
            let header = IPv4Header(
                source: IPv4Address(rawValue: r.u32()), destination: IPv4Address(rawValue: r.u32()), tos: r.u8(),
                identification: r.u16(), flagsAndFragmentOffset: r.bool() ? 0x4000 : 0, ttl: r.u8(),
                headerChecksum: r.u16(), options: r.bytes(4 * r.int(0...10))
            )
            return IPPacket(ip: .v4(header), tcp: tcp)
        }
        let header = IPv6Header(
            source: IPv6Address(high: r.next(), low: r.next()), destination: IPv6Address(high: r.next(), low: r.next()),
            trafficClass: r.u8(), flowLabel: r.u32() & 0xfffff, hopLimit: r.u8()
        )
        return IPPacket(ip: .v6(header), tcp: tcp)
    }

    @Test func parseOfEmitIsIdentityForRandomPackets() throws {
        var r = TestRandom(seed: 2026)
        for _ in 0..<5000 {
            let p = Self.randomPacket(&r)
            let stored = p.bytes(checksums: .asStored)
            let back = try IPPacket(parsing: stored)
            #expect(back == p)
            #expect(back.bytes(checksums: .asStored) == stored)
        }
    }

    @Test func filledPacketsVerifyAndReemitByteForByte() throws {
        var r = TestRandom(seed: 7)
        for _ in 0..<5000 {
            var p = Self.randomPacket(&r)
            p.fillChecksums()
            let bytes = p.bytes()
            let back = try IPPacket(parsing: bytes, verifyChecksums: true)
            #expect(back == p)
            #expect(back.bytes() == bytes)
        }
    }

    @Test func decodedOptionsRebuildTheSameBytes() throws {
        var r = TestRandom(seed: 99)
        for _ in 0..<5000 {
            let opts = GeneratedCaptures.randomOptions(&r)
            // Iterating stops at EOL, as the options area does.
            let decoded = Array(opts)
            let rebuilt = try TCPOptions(decoded)
            #expect(rebuilt.bytes == Array(opts.bytes.prefix(rebuilt.count)))
        }
    }

    /// IPv4: every bit is covered by the header or TCP checksum. IPv6 has no header checksum, so bits
    /// of traffic class, flow label and hop limit (bytes 0-3 after the version, byte 7) are not covered.
    @Test(arguments: [false, true])
    func everySingleBitFlipIsCaught(ipv6: Bool) throws {
        var r = TestRandom(seed: ipv6 ? 61 : 41)
        var checked = 0
        for _ in 0..<20 {
            var p = Self.randomPacket(&r)
            while p.ip.source.isIPv6 != ipv6 { p = Self.randomPacket(&r) }
            p.fillChecksums()
            let bytes = p.bytes()
            for bit in 0..<bytes.count * 8 {
                let byte = bit / 8
                if ipv6 && (byte < 4 || byte == 7) && !(byte == 0 && bit % 8 < 4) { continue }
                var flipped = bytes
                flipped[byte] ^= 0x80 >> UInt8(bit % 8)
                #expect(throws: WireError.self, "bit \(bit)") { try IPPacket(parsing: flipped, verifyChecksums: true) }
                checked += 1
            }
        }
        #expect(checked > 10_000)
    }

    @Test func checksumMatchesRFC1071Example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        let data: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        var c = InternetChecksum()
        data.withUnsafeBytes { c.add(bytes: $0) }
        #expect(c.sum == 0xddf2)
        #expect(c.value == 0x220d)
    }

    @Test func checksumOfAnyLengthMatchesAWordByWordSum() {
        var r = TestRandom(seed: 5)
        for n in 0..<200 {
            let data = r.bytes(n)
            var reference: UInt32 = 0
            for i in stride(from: 0, to: n, by: 2) {
                reference += UInt32(data[i]) << 8 | (i + 1 < n ? UInt32(data[i + 1]) : 0)
            }
            while reference > 0xffff { reference = (reference >> 16) + (reference & 0xffff) }
            #expect(InternetChecksum.of(data) == ~UInt16(reference), "length \(n)")
        }
    }

    @Test func copyingChecksumCopiesTheBytesAndMatchesAWordByWordSumAtAnyLengthAndAlignment() {
        var r = TestRandom(seed: 6)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: 2100, alignment: 16)
        defer { out.deallocate() }
        for n in Array(0..<70) + [1459, 1460, 2047] {
            let data = r.bytes(n + 3)
            let shift = n % 4  // source and destination at every offset modulo 4
            var reference: UInt32 = 0
            for i in stride(from: 0, to: n, by: 2) {
                reference += UInt32(data[shift + i]) << 8 | (i + 1 < n ? UInt32(data[shift + i + 1]) : 0)
            }
            while reference > 0xffff { reference = (reference >> 16) + (reference & 0xffff) }
            var c = InternetChecksum()
            data.withUnsafeBytes { c.add(copying: $0.baseAddress! + shift, to: out.baseAddress! + 3 - shift, count: n) }
            #expect(c.value == ~UInt16(reference), "length \(n)")
            #expect(Array(out[(3 - shift)..<(3 - shift + n)]) == Array(data[shift..<shift + n]), "length \(n)")
        }
    }
}
