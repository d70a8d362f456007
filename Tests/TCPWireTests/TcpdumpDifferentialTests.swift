import Foundation
import Testing
@testable import TCPWire

/// Our printer against `TZ=UTC tcpdump -nn -r`, line for line.
@Suite struct TcpdumpDifferentialTests {
    static func ourLines(_ pcap: [UInt8]) throws -> [String] {
        var printer = TcpdumpPrinter(interfaceName: { index in
            var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE))
            guard if_indextoname(index, &name) != nil else { return nil }
            return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        })
        return try PcapReader.records(in: pcap).map { printer.line(for: $0) }
    }

    static func expectSameAsTcpdump(_ pcap: [UInt8], name: String) throws {
        try Tcpdump.requireInstalled()
        let theirs = try Tcpdump.print(pcap: pcap, name: name)
        let ours = try ourLines(pcap)
        #expect(ours.count == theirs.count, "\(name): line count")
        for (i, (o, t)) in zip(ours, theirs).enumerated() where o != t {
            Issue.record("\(name) line \(i + 1):\n ours:    \(o)\n tcpdump: \(t)")
        }
    }

    @Test func referenceCapturesPrintAsTcpdumpDoes() throws {
        #expect(try Reference.pcaps.count == 5)
        for url in try Reference.pcaps {
            try Self.expectSameAsTcpdump(try Reference.bytes(url), name: url.lastPathComponent)
        }
    }

    /// Needs no tcpdump: the reference .txt files were written by tcpdump 4.99.3 on the capturing host.
    @Test func referenceCapturesPrintAsTheRecordedTcpdumpText() throws {
        for url in try Reference.pcaps {
            let text = try String(contentsOf: url.deletingPathExtension().appendingPathExtension("txt"), encoding: .utf8)
            let recorded = text.split(separator: "\n").map(String.init)
            #expect(try Self.ourLines(try Reference.bytes(url)) == recorded, "\(url.lastPathComponent)")
        }
    }

    @Test(arguments: [false, true])
    func scriptedConversationPrintsAsTcpdumpDoes(ipv6: Bool) throws {
        let (a, b) = ipv6 ? (GeneratedCaptures.a6, GeneratedCaptures.b6) : (GeneratedCaptures.a4, GeneratedCaptures.b4)
        try Self.expectSameAsTcpdump(GeneratedCaptures.pcap(GeneratedCaptures.script(a, b)), name: "script-\(ipv6)")
    }

    @Test(arguments: [false, true])
    func malformedOptionsPrintAsTcpdumpDoes(ipv6: Bool) throws {
        let (a, b) = ipv6 ? (GeneratedCaptures.a6, GeneratedCaptures.b6) : (GeneratedCaptures.a4, GeneratedCaptures.b4)
        var w = PcapWriter(linkType: .raw)
        for (i, frame) in GeneratedCaptures.malformedOptionFrames(a, b).enumerated() {
            w.append(frame: frame, at: GeneratedCaptures.time(i))
        }
        try Self.expectSameAsTcpdump(w.bytes, name: "malformed-\(ipv6)")
    }

    /// IPv4 options, Ethernet padding, snap-length cuts, and TCP headers with impossible data offsets.
    @Test(arguments: [false, true])
    func oddFramesPrintAsTcpdumpDoes(ipv6: Bool) throws {
        let (a, b) = ipv6 ? (GeneratedCaptures.a6, GeneratedCaptures.b6) : (GeneratedCaptures.a4, GeneratedCaptures.b4)
        let h = ipv6 ? 40 : 20
        var w = PcapWriter(linkType: .ethernet)
        var i = 0
        func add(_ ip: [UInt8], padding: Int = 0, cut: Int? = nil) {
            var frame = [UInt8](repeating: 0, count: 12) + (ipv6 ? [0x86, 0xdd] : [0x08, 0x00]) + ip
            frame += repeatElement(0xee, count: padding)
            let original = frame.count
            if let cut { frame = Array(frame.prefix(14 + cut)) }
            w.append(frame: frame, originalLength: original, at: GeneratedCaptures.time(i))
            i += 1
        }
        let script = GeneratedCaptures.script(a, b)
        for p in script.prefix(4) { add(p.bytes()) }
        add(script[3].bytes(), cut: h + 20)  // data segment cut after its header
        add(script[2].bytes(), cut: h + 20 + 12)  // ACK with timestamps cut after its options
        add(IPPacket(from: a, to: b, tcp: GeneratedCaptures.segment(1, 2, seq: 3, .syn)).bytes(), padding: 6)
        if !ipv6 {
            for optionWords in [1, 10] {
                var p = script[0]
                if case .v4(var v4) = p.ip {
                    v4.options = Array(repeating: 1, count: 4 * optionWords - 1) + [0]
                    p.ip = .v4(v4)
                }
                add(p.bytes())
            }
        }
        let ack = script[2].bytes()
        for offset: UInt8 in [4, 0, 15, 6] {
            var bad = ack
            bad[h + 12] = offset << 4
            add(bad)
        }
        for tcpLength in [19, 10, 3] {
            var short = Array(ack.prefix(h + tcpLength))
            if ipv6 { short[5] = UInt8(tcpLength) } else { short[3] = UInt8(h + tcpLength) }
            add(short)
        }
        add(script[3].bytes())
        try Self.expectSameAsTcpdump(w.bytes, name: "odd-\(ipv6)")
    }

    @Test(arguments: [false, true])
    func randomSegmentsPrintAsTcpdumpDoes(ipv6: Bool) throws {
        let packets = GeneratedCaptures.random(seed: ipv6 ? 6 : 4, count: 600, ipv6: ipv6)
        try Self.expectSameAsTcpdump(GeneratedCaptures.pcap(packets), name: "random-\(ipv6)")
    }

    @Test(arguments: [LinkType.raw, .ethernet, .null, .loop, .linuxSLL, .linuxSLL2])
    func everyLinkTypePrintsAsTcpdumpDoes(linkType: LinkType) throws {
        let packets = GeneratedCaptures.script(GeneratedCaptures.a4, GeneratedCaptures.b4)
            + GeneratedCaptures.script(GeneratedCaptures.a6, GeneratedCaptures.b6)
        try Self.expectSameAsTcpdump(GeneratedCaptures.pcap(packets, linkType: linkType), name: "link-\(linkType.rawValue)")
    }

    @Test func nanosecondAndBigEndianFilesPrintAsTcpdumpDoes() throws {
        let packets = GeneratedCaptures.script(GeneratedCaptures.a4, GeneratedCaptures.b4)
        let nano = GeneratedCaptures.pcap(packets, linkType: .ethernet, nanoseconds: true)
        try Self.expectSameAsTcpdump(nano, name: "nano")
        try Self.expectSameAsTcpdump(GeneratedCaptures.byteSwapped(nano), name: "nano-be")
        try Self.expectSameAsTcpdump(GeneratedCaptures.byteSwapped(GeneratedCaptures.pcap(packets)), name: "micro-be")
    }
}
