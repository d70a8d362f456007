import Testing
@testable import TCPWire

/// Zero-copy payloads on the wire side: a parsed packet's payload is a view into the packet's bytes, an emitted
/// segment is written from a view, and checksums are still computed and verified over the bytes in place.
@Suite("Payload views: parsing and emitting without copying, checksums still verified")
struct PayloadViewTests {
    private let a = IPAddress.v4(IPv4Address(10, 0, 0, 1))
    private let b = IPAddress.v4(IPv4Address(10, 0, 0, 2))
    private let data: [UInt8] = (0..<301).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }

    private func packetBytes(_ payload: Payload) -> [UInt8] {
        IPPacket(from: a, to: b, tcp: TCPSegment(
            sourcePort: 1000, destinationPort: 80, sequenceNumber: 7, acknowledgmentNumber: 9,
            flags: [.ack, .psh], window: 512, payload: payload)).bytes(checksums: .fill)
    }

    @Test func aParsedPayloadIsAViewIntoThePacketBytes() throws {
        let bytes = packetBytes(Payload(data))
        let parsed = try IPPacket(parsing: bytes, verifyChecksums: true)
        #expect(parsed.tcp.payload == data)
        #expect(parsed.tcp.payload.sharesStorage(with: Payload(bytes)))
        // The view starts after the 20-byte IPv4 and 20-byte TCP headers.
        parsed.tcp.payload.withUnsafeBytes { view in
            bytes.withUnsafeBytes { whole in #expect(view.baseAddress == whole.baseAddress! + 40) }
        }
    }

    @Test func aSegmentParsedOnItsOwnViewsItsBytesToo() throws {
        let tcp = Array(packetBytes(Payload(data))[20...])
        let segment = try TCPSegment(parsing: tcp, pseudoHeader: (a, b))
        #expect(segment.payload == data)
        #expect(segment.payload.sharesStorage(with: Payload(tcp)))
    }

    @Test func aCorruptedPayloadByteIsRejectedWhenParsingAView() throws {
        var bytes = packetBytes(Payload(data))
        bytes[40 + 150] ^= 0x20
        #expect(throws: WireError.self) { try IPPacket(parsing: bytes, verifyChecksums: true) }
        do {
            _ = try IPPacket(parsing: Payload(bytes), verifyChecksums: true)
            Issue.record("a corrupted payload was accepted")
        } catch {
            guard case .badChecksum = error else {
                Issue.record("expected a bad checksum, got \(error)")
                return
            }
        }
        // Without verification the view is taken as it is.
        #expect(try IPPacket(parsing: bytes).tcp.payload.count == data.count)
    }

    @Test func aViewAndACopyEmitTheSameBytesAndChecksum() throws {
        // The payload is the middle of a larger store, at an odd offset: the checksum must not care.
        let store = Payload([0xee] + data + [0xff, 0xff])
        let view = store.extracting(1..<1 + data.count)
        #expect(view.sharesStorage(with: store))
        #expect(packetBytes(view) == packetBytes(Payload(Array(data))))
        let parsed = try IPPacket(parsing: packetBytes(view), verifyChecksums: true)
        #expect(parsed.tcp.payload == view)
    }

    @Test func paddingPastTheViewIsNeitherSentNorSummed() throws {
        let store = Payload(data + [1, 2, 3])
        let bytes = packetBytes(store.extracting(0..<data.count))
        #expect(bytes.count == 40 + data.count)
        #expect(try IPPacket(parsing: bytes, verifyChecksums: true).tcp.payload == data)
    }

    @Test func aParsedPacketHoldsItsFrameUntilItIsDropped() throws {
        // A receive frame, as the bulk bench's wire uses them: written again only when no packet views it.
        var frame = PayloadBuffer(capacity: 2048)
        let bytes = packetBytes(Payload(data))
        frame.reset(claimed: bytes.count)
        bytes.withUnsafeBytes { frame.bytes.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        var held: IPPacket? = try IPPacket(parsing: Payload(buffer: frame, offset: 0, count: bytes.count), verifyChecksums: true)
        #expect(held?.tcp.payload == Payload(data))
        #expect(held?.tcp.payload.sharesStorage(with: Payload(buffer: frame, offset: 0, count: 1)) == true)
        #expect(!isKnownUniquelyReferenced(&frame))
        held = nil
        #expect(isKnownUniquelyReferenced(&frame))
        // A packet without data takes no view, so its frame stays free.
        let syn = IPPacket(from: a, to: b, tcp: TCPSegment(sourcePort: 1, destinationPort: 2, sequenceNumber: 3,
            flags: .syn, window: 4)).bytes(checksums: .fill)
        frame.reset(claimed: syn.count)
        syn.withUnsafeBytes { frame.bytes.copyMemory(from: $0.baseAddress!, byteCount: syn.count) }
        let parsed = try IPPacket(parsing: Payload(buffer: frame, offset: 0, count: syn.count), verifyChecksums: true)
        #expect(parsed.tcp.flags == .syn)
        #expect(isKnownUniquelyReferenced(&frame))
    }

    @Test func payloadsCompareAndHashByTheirBytes() {
        let x: Payload = [1, 2, 3]
        let y = Payload([9, 1, 2, 3]).extracting(1..<4)
        #expect(x == y)
        #expect(x.hashValue == y.hashValue)
        #expect(!x.sharesStorage(with: y))
        #expect(y == [1, 2, 3] as [UInt8])
        #expect(Array(y) == [1, 2, 3])
        #expect(y[0] == 1 && y[2] == 3)
        #expect(Payload() == [])
        #expect(Payload().isEmpty)
    }
}
