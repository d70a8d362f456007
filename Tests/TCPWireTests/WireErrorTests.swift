import Testing
@testable import TCPWire

/// Each malformed input gives its own typed error.
@Suite struct WireErrorTests {
    static let v4 = ParseEmitTests.synV4
    static let v6: [UInt8] = IPPacket(
        from: .v6(.loopback), to: .v6(.loopback),
        tcp: TCPSegment(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, flags: .syn, window: 4,
                        options: GeneratedCaptures.options(GeneratedCaptures.linuxSyn))
    ).bytes()

    func parse(_ bytes: [UInt8], verify: Bool = false) throws(WireError) {
        _ = try IPPacket(parsing: bytes, verifyChecksums: verify)
    }

    @Test func emptyInputIsTruncated() {
        #expect(throws: WireError.truncated(needed: 1, available: 0)) { try parse([]) }
    }

    @Test func shortIPv4HeaderIsTruncated() {
        #expect(throws: WireError.truncated(needed: 20, available: 19)) { try parse(Array(Self.v4[0..<19])) }
    }

    @Test func shortIPv6HeaderIsTruncated() {
        #expect(throws: WireError.truncated(needed: 40, available: 39)) { try parse(Array(Self.v6[0..<39])) }
    }

    @Test func ihlBelowFiveIsBadIHL() {
        var b = Self.v4
        b[0] = 0x44
        #expect(throws: WireError.badIHL(4)) { try parse(b) }
    }

    @Test func ihlPastTotalLengthIsBadIHL() {
        var b = Self.v4
        b[2] = 0; b[3] = 20
        b[0] = 0x46
        #expect(throws: WireError.badIHL(6)) { try parse(b) }
    }

    @Test func totalLengthLongerThanBytesIsAMismatch() {
        #expect(throws: WireError.totalLengthMismatch(header: 60, actual: 59)) { try parse(Array(Self.v4.dropLast())) }
    }

    @Test func trailingBytesAfterTotalLengthAreAMismatch() {
        #expect(throws: WireError.totalLengthMismatch(header: 60, actual: 61)) { try parse(Self.v4 + [0]) }
    }

    @Test func ipv6PayloadLengthMismatchIsReported() {
        #expect(throws: WireError.totalLengthMismatch(header: 80, actual: 79)) { try parse(Array(Self.v6.dropLast())) }
    }

    @Test func dataOffsetBelowFiveIsBadDataOffset() {
        var b = Self.v4
        b[32] = 0x40
        #expect(throws: WireError.badDataOffset(4)) { try parse(b) }
    }

    @Test func dataOffsetPastTheSegmentIsBadDataOffset() {
        var b = Self.v4
        b[32] = 0xb0  // 44 bytes of header in a 40-byte segment
        #expect(throws: WireError.badDataOffset(11)) { try parse(b) }
    }

    @Test func segmentShorterThanTwentyBytesIsTruncated() {
        var b = Array(Self.v4[0..<30])
        b[3] = 30
        #expect(throws: WireError.truncated(needed: 40, available: 30)) { try parse(b) }
    }

    @Test func optionLengthOverrunNamesItsInputOffset() {
        var b = Self.v4
        b[40 + 5] = 30  // the timestamps option (at options offset 4) claims 30 bytes
        #expect(throws: WireError.optionLengthOverrun(offset: 44)) { try parse(b) }
        var c = Self.v6
        c[60 + 1] = 0  // mss length 0
        #expect(throws: WireError.optionLengthOverrun(offset: 60)) { try parse(c) }
    }

    @Test func tooManyOptionsAreRefusedWhenBuilding() {
        #expect(throws: WireError.optionsTooLong(42)) {
            try TCPOptions([.sack(Array(repeating: SACKBlock(left: 0, right: 0), count: 5))])
        }
    }

    @Test func unknownVersionIsUnsupported() {
        var b = Self.v4
        b[0] = 0x55
        #expect(throws: WireError.unsupportedIPVersion(5)) { try parse(b) }
    }

    @Test(arguments: [UInt8(0), 43, 44, 60])
    func ipv6ExtensionHeaderIsUnsupported(next: UInt8) {
        var b = Self.v6
        b[6] = next
        #expect(throws: WireError.unsupportedExtensionHeader(nextHeader: next)) { try parse(b) }
    }

    @Test func udpIsNotTCP() {
        var b = Self.v4
        b[9] = 17
        #expect(throws: WireError.notTCP(protocolNumber: 17)) { try parse(b) }
        var c = Self.v6
        c[6] = 17
        #expect(throws: WireError.notTCP(protocolNumber: 17)) { try parse(c) }
    }

    @Test func fragmentsAreRefused() {
        var b = Self.v4
        b[6] = 0x20  // MF
        #expect(throws: WireError.fragmented(offset: 0)) { try parse(b) }
        b[6] = 0x00; b[7] = 0x03
        #expect(throws: WireError.fragmented(offset: 24)) { try parse(b) }
    }

    @Test func badIPv4HeaderChecksumIsReportedWithTheRightValue() throws {
        var b = Self.v4
        let good = UInt16(b[10]) << 8 | UInt16(b[11])
        b[11] ^= 0x01
        #expect(throws: WireError.badChecksum(stored: good ^ 1, computed: good)) { try parse(b, verify: true) }
        try parse(b, verify: false)
    }

    @Test func badTCPChecksumIsReportedWithTheRightValue() throws {
        var b = Self.v6
        let good = UInt16(b[56]) << 8 | UInt16(b[57])
        b[56] ^= 0x80
        #expect(throws: WireError.badChecksum(stored: good ^ 0x8000, computed: good)) { try parse(b, verify: true) }
    }
}
