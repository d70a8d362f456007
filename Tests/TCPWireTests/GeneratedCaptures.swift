@testable import TCPWire

/// Captures built with our writer to drive the differential tests against tcpdump.
enum GeneratedCaptures {
    static let a4 = IPAddress.v4(IPv4Address(127, 0, 0, 1))
    static let b4 = IPAddress.v4(IPv4Address(10, 1, 2, 3))
    static let a6 = IPAddress.v6(.loopback)
    static let b6 = IPAddress.v6(IPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0xab, 1]))

    /// A few IPv6 addresses that exercise every rule of the text form.
    static let v6Addresses: [IPv6Address] = [
        IPv6Address(groups: [0xfe80, 0, 0, 0, 1, 2, 3, 4]),
        IPv6Address(groups: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]),
        IPv6Address(groups: [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]),
        IPv6Address(groups: [0, 0, 0, 0, 0, 0, 0x0102, 0x0304]),
        IPv6Address(groups: [1, 0, 0, 2, 0, 0, 0, 3]),
        IPv6Address(groups: [1, 0, 0, 2, 3, 0, 0, 4]),
        IPv6Address(groups: [0, 0, 1, 0, 0, 0, 0, 0]),
        IPv6Address(groups: [1, 2, 3, 4, 5, 6, 7, 8]),
        IPv6Address(groups: [1, 0, 3, 4, 5, 6, 7, 8]),
        IPv6Address(groups: [0, 0, 0, 0, 0, 0, 0, 0]),
        IPv6Address(groups: [0, 0, 0, 0, 0, 0, 0, 2]),
    ]

    static func options(_ list: [TCPOption]) -> TCPOptions { try! TCPOptions(list) }

    static func segment(
        _ sp: UInt16, _ dp: UInt16, seq: UInt32, ack: UInt32 = 0, _ flags: TCPFlags, win: UInt16 = 512,
        urg: UInt16 = 0, options: [TCPOption] = [], payload: Int = 0
    ) -> TCPSegment {
        TCPSegment(
            sourcePort: sp, destinationPort: dp, sequenceNumber: seq, acknowledgmentNumber: ack, flags: flags,
            window: win, urgentPointer: urg, options: Self.options(options),
            payload: (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        )
    }

    static let linuxSyn: [TCPOption] = [
        .maxSegmentSize(65495), .sackPermitted, .timestamps(value: 7, echoReply: 0), .noOperation, .windowScale(10),
    ]

    /// A scripted conversation: handshake, data, SACK with 1-4 blocks, URG, ECN flags, FIN, RST,
    /// and every option kind tcpdump names.
    static func script(_ a: IPAddress, _ b: IPAddress) -> [IPPacket] {
        let isnA: UInt32 = 4_294_967_000, isnB: UInt32 = 1_053_443_170
        func blocks(_ n: Int) -> [SACKBlock] {
            (0..<n).map { SACKBlock(left: isnA &+ 1 &+ UInt32($0) * 200, right: isnA &+ 101 &+ UInt32($0) * 200) }
        }
        let ts = TCPOption.timestamps(value: 99, echoReply: 98)
        let ab: [TCPSegment] = [
            segment(40000, 50000, seq: isnA, [.syn, .ece, .cwr], win: 65495, options: linuxSyn),
            segment(50000, 40000, seq: isnB, ack: isnA &+ 1, [.syn, .ack, .ece], win: 65483, options: linuxSyn),
            segment(40000, 50000, seq: isnA &+ 1, ack: isnB &+ 1, .ack, options: [.noOperation, .noOperation, ts]),
            segment(40000, 50000, seq: isnA &+ 1, ack: isnB &+ 1, [.psh, .ack], payload: 100),
            segment(50000, 40000, seq: isnB &+ 1, ack: isnA &+ 1, .ack,
                    options: [.noOperation, .noOperation, .sack(blocks(1))]),
            segment(50000, 40000, seq: isnB &+ 1, ack: isnA &+ 1, .ack,
                    options: [.noOperation, .noOperation, .sack(blocks(2))]),
            segment(50000, 40000, seq: isnB &+ 1, ack: isnA &+ 1, .ack,
                    options: [.noOperation, .noOperation, .sack(blocks(3)), ts]),
            segment(50000, 40000, seq: isnB &+ 1, ack: isnA &+ 1, .ack,
                    options: [.noOperation, .noOperation, .sack(blocks(4))]),
            segment(40000, 50000, seq: isnA &+ 101, ack: isnB &+ 1, [.urg, .ack, .psh], urg: 3, payload: 10),
            segment(40000, 50000, seq: isnA &+ 111, ack: isnB &+ 1, [.ack, .cwr], payload: 1460),
            segment(50000, 40000, seq: isnB &+ 1, ack: isnA &+ 1571, [.ack, .ece]),
            segment(40000, 50000, seq: isnA &+ 1571, ack: isnB &+ 1, [.fin, .ack]),
            segment(50000, 40000, seq: isnB &+ 1, ack: isnA &+ 1572, [.fin, .psh, .ack], payload: 5),
            segment(40000, 50000, seq: isnA &+ 1572, ack: isnB &+ 7, .ack),
            segment(40000, 50000, seq: 77, ack: 0, []),
            segment(40000, 50000, seq: isnA &+ 1572, .rst),
            segment(50000, 40000, seq: 0, ack: isnA &+ 1573, [.rst, .ack], win: 0),
            // Every option kind tcpdump decodes, and unknown ones.
            segment(40001, 50001, seq: 5, [.syn], options: [
                .unknown(kind: 6, data: [0, 0, 1, 0]), .unknown(kind: 7, data: [0, 0, 2, 0]),
                .unknown(kind: 11, data: [0, 0, 0, 3]), .unknown(kind: 12, data: [0, 0, 0, 4]),
                .unknown(kind: 13, data: [0, 0, 0, 5]),
            ]),
            segment(40001, 50001, seq: 6, [.syn], options: [
                .unknown(kind: 19, data: Array(0..<16)), .unknown(kind: 20, data: [0xab, 9]),
                .unknown(kind: 28, data: [0x01, 0x2d]), .noOperation, .noOperation,
            ]),
            segment(40001, 50001, seq: 7, [.syn], options: [
                .unknown(kind: 28, data: [0x01, 0x2c]), .unknown(kind: 29, data: [1, 2, 0xde, 0xad, 0xbe, 0xef]),
                .unknown(kind: 29, data: [1]), .unknown(kind: 34, data: []),
                .unknown(kind: 34, data: [1, 2, 3, 4, 5, 6, 7, 8]), .unknown(kind: 34, data: [1, 2, 3]),
            ]),
            segment(40001, 50001, seq: 8, [.syn], options: [
                .unknown(kind: 254, data: [0xf9, 0x89]), .unknown(kind: 254, data: [0xf9, 0x89, 1, 2, 3, 4]),
                .unknown(kind: 254, data: [0x12, 0x34, 5]), .unknown(kind: 99, data: []),
                .unknown(kind: 200, data: [1, 2, 3]), .unknown(kind: 253, data: [0xff]),
            ]),
            segment(40001, 50001, seq: 9, [.syn], options: [
                .maxSegmentSize(1460), .endOfList, .noOperation, .windowScale(14),
            ]),
            segment(40001, 50001, seq: 10, [.syn], options: [.windowScale(7)]),
            segment(40001, 50001, seq: 11, [.syn, .fin, .rst, .psh, .urg, .ece, .cwr, .ae], urg: 65535),
            segment(40001, 50001, seq: 12, .ae),
            // Same ports both ways: the conversation is ordered by address.
            segment(40000, 40000, seq: 2_453_545_219, .syn, options: linuxSyn),
            segment(40000, 40000, seq: 2_453_545_219, ack: 2_453_545_220, [.syn, .ack], options: linuxSyn),
            segment(40000, 40000, seq: 2_453_545_220, ack: 2_453_545_220, .ack,
                    options: [.noOperation, .noOperation, .sack([SACKBlock(left: 2_453_545_219, right: 2_453_545_220)])]),
        ]
        var packets: [IPPacket] = []
        for (i, s) in ab.enumerated() {
            let fromA = s.sourcePort == 40000 || s.sourcePort == 40001
            let samePorts = s.sourcePort == s.destinationPort
            let (src, dst) = samePorts ? (i % 2 == 0 ? (b, a) : (a, b)) : (fromA ? (a, b) : (b, a))
            packets.append(IPPacket(from: src, to: dst, tcp: s))
        }
        return packets
    }

    /// Raw frames tcpdump must print with `[len N]` or `[bad opt]`: bytes our options type refuses.
    static func malformedOptionFrames(_ a: IPAddress, _ b: IPAddress) -> [[UInt8]] {
        // Each options area is 8 bytes; patched after emitting.
        let areas: [[UInt8]] = [
            [2, 6, 5, 0xb4, 0, 0, 1, 1],  // mss with length 6: [len 6]
            [4, 3, 1, 1, 1, 1, 1, 1],  // sackOK with length 3
            [99, 12, 0, 0, 0, 0, 1, 1],  // length past the area: [bad opt]
            [1, 1, 5, 7, 0, 0, 0, 0],  // sack with 5 data bytes: invalid sack
            [1, 8, 0, 0, 0, 0, 0, 0],  // length 0 after a nop: [bad opt]]
            [0, 2, 4, 0, 0, 0, 0, 0],  // EOL first: the rest is not printed
            [254, 3, 0xf9, 1, 1, 1, 1, 1],  // exp too short: [bad opt]
        ]
        return areas.map { area in
            let seg = segment(40002, 50002, seq: 1, .syn, options: [.unknown(kind: 99, data: [0, 0, 0, 0, 0, 0])])
            var bytes = IPPacket(from: a, to: b, tcp: seg).bytes()
            let tcpStart = a.isIPv6 ? 40 : 20
            for (i, v) in area.enumerated() { bytes[tcpStart + 20 + i] = v }
            return bytes
        }
    }

    /// Random segments from a seeded generator: random flags, options drawn from every kind,
    /// payloads, and a few address pairs so conversations interleave.
    static func random(seed: UInt64, count: Int, ipv6: Bool) -> [IPPacket] {
        var r = TestRandom(seed: seed)
        let hosts: [IPAddress] = ipv6
            ? [a6, b6] + v6Addresses.map { .v6($0) }
            : [a4, b4, .v4(IPv4Address(192, 168, 0, 1)), .v4(IPv4Address(192, 168, 0, 2))]
        let ports: [UInt16] = [40000, 50000, 33333, 50000, 1024]
        var out: [IPPacket] = []
        for _ in 0..<count {
            let src = hosts[r.int(0...hosts.count - 1)], dst = hosts[r.int(0...hosts.count - 1)]
            var seg = segment(
                ports[r.int(0...4)], ports[r.int(0...4)], seq: r.u32(), ack: r.u32(),
                TCPFlags(rawValue: r.u16() & 0x1ff), win: r.u16(), urg: r.u16(),
                payload: r.int(0...3) == 0 ? r.int(1...64) : 0
            )
            seg.options = randomOptions(&r)
            out.append(IPPacket(from: src, to: dst, tcp: seg))
        }
        return out
    }

    static func randomOptions(_ r: inout TestRandom) -> TCPOptions {
        var opts = TCPOptions()
        for _ in 0..<r.int(0...6) {
            let option: TCPOption
            switch r.int(0...9) {
            case 0: option = .noOperation
            case 1: option = .maxSegmentSize(r.u16())
            case 2: option = .windowScale(r.u8())
            case 3: option = .sackPermitted
            case 4: option = .sack((0..<r.int(1...4)).map { _ in SACKBlock(left: r.u32(), right: r.u32()) })
            case 5: option = .timestamps(value: r.u32(), echoReply: r.u32())
            case 6: option = .endOfList
            case 7: option = .unknown(kind: UInt8(r.int(9...18)), data: r.bytes(r.int(0...6)))
            case 8: option = .unknown(kind: [6, 7, 11, 12, 13, 20, 28][r.int(0...6)], data: r.bytes(r.int(0...4)))
            default: option = .unknown(kind: UInt8(r.int(35...252)), data: r.bytes(r.int(0...8)))
            }
            if (try? opts.append(option)) == nil { break }
        }
        return opts
    }

    /// A capture of `packets`, one per millisecond from a fixed instant.
    static func pcap(_ packets: [IPPacket], linkType: LinkType = .raw, nanoseconds: Bool = false) -> [UInt8] {
        var w = PcapWriter(linkType: linkType, nanosecondResolution: nanoseconds)
        for (i, p) in packets.enumerated() {
            w.append(p, at: time(i))
        }
        return w.bytes
    }

    static func time(_ i: Int) -> PcapTimestamp {
        PcapTimestamp(seconds: 1_764_078_219 + Int64(i / 1000), nanoseconds: UInt32(i % 1000) * 1_000_123 + 7)
    }

    /// The same file with every header field in big-endian order (as a big-endian host writes it).
    static func byteSwapped(_ le: [UInt8]) -> [UInt8] {
        var out = le
        func swap(_ at: Int, _ n: Int) { out[at..<at + n].reverse() }
        swap(0, 4); swap(4, 2); swap(6, 2); swap(8, 4); swap(12, 4); swap(16, 4); swap(20, 4)
        var i = 24
        while i < out.count {
            let captured = Int(le[i + 8]) | Int(le[i + 9]) << 8 | Int(le[i + 10]) << 16 | Int(le[i + 11]) << 24
            for f in 0..<4 { swap(i + 4 * f, 4) }
            i += 16 + captured
        }
        return out
    }
}
