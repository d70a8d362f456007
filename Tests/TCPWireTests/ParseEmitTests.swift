import Testing
@testable import TCPWire

@Suite struct ParseEmitTests {
    static let synV4: [UInt8] = {
        let tcp = TCPSegment(
            sourcePort: 50000, destinationPort: 50000, sequenceNumber: 669_394_854, flags: .syn, window: 65495,
            options: try! TCPOptions([
                .maxSegmentSize(65495), .sackPermitted, .timestamps(value: 3_547_818_488, echoReply: 0),
                .noOperation, .windowScale(10),
            ])
        )
        return IPPacket(from: .v4(.loopback), to: .v4(.loopback), tcp: tcp).bytes()
    }()

    @Test func referenceCapturesParseAndReemitByteForByte() throws {
        let packets = try Reference.ipPackets()
        #expect(packets.count == 34)
        for bytes in packets {
            let packet = try IPPacket(parsing: bytes)
            #expect(packet.bytes(checksums: .asStored) == bytes)
        }
    }

    /// Linux loopback leaves the TCP checksum partial (offload), so captures of `lo` fail verification;
    /// `tcpdump -vv` shows this SYN as `cksum 0xfe30 (incorrect -> 0x3c61)`.
    @Test func loopbackPartialChecksumIsReportedWithTheValueTcpdumpComputes() throws {
        let bytes = try #require(try Reference.ipPackets().first { bytes in
            (try? IPPacket(parsing: bytes))?.tcp.sequenceNumber == 669_394_854
        })
        #expect(throws: WireError.badChecksum(stored: 0xfe30, computed: 0x3c61)) {
            try IPPacket(parsing: bytes, verifyChecksums: true)
        }
        var fixed = try IPPacket(parsing: bytes)
        fixed.fillChecksums()
        #expect(fixed.tcp.checksum == 0x3c61)
        let refilled = fixed.bytes()
        #expect(try IPPacket(parsing: refilled, verifyChecksums: true) == fixed)
        #expect(refilled[0..<20] == bytes[0..<20])
    }

    @Test func referenceSelfConnectSynDecodesToTheArticlesFields() throws {
        let first = try #require(try Reference.ipPackets().first { bytes in
            (try? IPPacket(parsing: bytes))?.tcp.sequenceNumber == 669_394_854
        })
        let p = try IPPacket(parsing: first)
        #expect(p.source == Endpoint(.v4(.loopback), 50000))
        #expect(p.destination == p.source)
        #expect(p.tcp.flags == .syn)
        #expect(p.tcp.window == 65495)
        #expect(p.tcp.options.mss == 65495)
        #expect(p.tcp.options.windowScale == 10)
        #expect(p.tcp.options.timestamps?.value == 3_547_818_488)
    }

    @Test func emittedSynCarriesCorrectChecksumsAndLength() throws {
        let bytes = Self.synV4
        #expect(bytes.count == 60)
        #expect(bytes[0] == 0x45)
        #expect(bytes[2] == 0 && bytes[3] == 60)
        #expect(InternetChecksum.of(Array(bytes[0..<20])) == 0)
        let p = try IPPacket(parsing: bytes, verifyChecksums: true)
        try p.verifyChecksums()
        #expect(p.tcp.headerLength == 40)
    }

    @Test func ipv6PacketRoundTripsWithFlowLabelAndTrafficClass() throws {
        var p = IPPacket(
            ip: .v6(IPv6Header(
                source: .loopback, destination: IPv6Address(groups: [0xfe80, 0, 0, 0, 1, 2, 3, 4]),
                trafficClass: 0xb8, flowLabel: 0x12345, hopLimit: 3
            )),
            tcp: TCPSegment(sourcePort: 1, destinationPort: 2, sequenceNumber: 3, acknowledgmentNumber: 4,
                            flags: [.psh, .ack], window: 5, payload: Array("hello".utf8))
        )
        p.fillChecksums()
        let bytes = p.bytes()
        #expect(bytes.count == 40 + 20 + 5)
        #expect(try IPPacket(parsing: bytes, verifyChecksums: true) == p)
    }

    @Test func fillChecksumsStoresWhatTheEmitterWrites() throws {
        var p = try IPPacket(parsing: Self.synV4)
        p.tcp.checksum = 0
        if case .v4(var h) = p.ip { h.headerChecksum = 0; p.ip = .v4(h) }
        #expect(throws: WireError.self) { try p.verifyChecksums() }
        p.fillChecksums()
        try p.verifyChecksums()
        #expect(p.bytes(checksums: .asStored) == Self.synV4)
    }

    @Test func ipv4OptionsAreSkippedByIHLButKept() throws {
        var p = try IPPacket(parsing: Self.synV4)
        guard case .v4(var h) = p.ip else { Issue.record("not v4"); return }
        h.options = [0x94, 0x04, 0x00, 0x00]  // router alert
        p.ip = .v4(h)
        let bytes = p.bytes()
        #expect(bytes[0] == 0x46)
        let q = try IPPacket(parsing: bytes, verifyChecksums: true)
        guard case .v4(let qh) = q.ip else { Issue.record("not v4"); return }
        #expect(qh.options == [0x94, 0x04, 0x00, 0x00])
        #expect(q.tcp.options == p.tcp.options)
    }

    @Test func bareSegmentParsesAndEmitsWithPseudoHeader() throws {
        let src = IPAddress.v6(.loopback), dst = IPAddress.v6(.loopback)
        let seg = TCPSegment(sourcePort: 9, destinationPort: 10, sequenceNumber: 11, flags: [.fin, .ack], window: 12)
        var buffer: [UInt8] = []
        seg.emit(into: &buffer, pseudoHeader: (src, dst))
        let back = try TCPSegment(parsing: buffer, pseudoHeader: (src, dst))
        #expect(back.checksum == seg.computedChecksum(source: src, destination: dst))
        var expected = seg
        expected.checksum = back.checksum
        #expect(back == expected)
    }

    @Test func emitIntoReusedBufferAppends() {
        let p = try! IPPacket(parsing: Self.synV4)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(128)
        p.emit(into: &buffer)
        p.emit(into: &buffer)
        #expect(buffer == Self.synV4 + Self.synV4)
    }
}

@Suite struct PrinterAPITests {
    @Test func rawIPBytesAndParsedPacketsPrintTheSameLine() throws {
        let bytes = ParseEmitTests.synV4
        let time = PcapTimestamp(seconds: 49_417, microseconds: 651_255)
        var a = TcpdumpPrinter(), b = TcpdumpPrinter()
        let expected = "13:43:37.651255 IP 127.0.0.1.50000 > 127.0.0.1.50000: Flags [S], seq 669394854, win 65495, "
            + "options [mss 65495,sackOK,TS val 3547818488 ecr 0,nop,wscale 10], length 0"
        #expect(a.line(forIPBytes: bytes, at: time) == expected)
        #expect(b.line(for: try IPPacket(parsing: bytes), at: time) == expected)
    }

    @Test func ipv6AddressTextFollowsTcpdump() {
        #expect(IPv6Address.loopback.description == "::1")
        #expect(IPv6Address.any.description == "::")
        #expect(IPv6Address(groups: [0, 0, 0, 0, 0, 0xffff, 0x0a00, 1]).description == "::ffff:10.0.0.1")
        // Two equal runs: the first is shortened (checked against tcpdump by the differential tests).
        #expect(IPv6Address(groups: [1, 0, 0, 2, 3, 0, 0, 4]).description == "1::2:3:0:0:4")
        #expect(IPv6Address(groups: [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]).description == "2001:db8::1:0:0:1")
    }
}
