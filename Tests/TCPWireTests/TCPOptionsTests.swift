import Testing
@testable import TCPWire

@Suite struct TCPOptionsTests {
    @Test func linuxSynOptionsDecodeInOrder() throws {
        let opts = try TCPOptions([
            .maxSegmentSize(65495), .sackPermitted, .timestamps(value: 7, echoReply: 0), .noOperation, .windowScale(10),
        ])
        #expect(opts.count == 20)
        #expect(opts.mss == 65495)
        #expect(opts.windowScale == 10)
        #expect(opts.sackPermitted)
        #expect(opts.timestamps?.value == 7)
        #expect(Array(opts) == [
            .maxSegmentSize(65495), .sackPermitted, .timestamps(value: 7, echoReply: 0), .noOperation, .windowScale(10),
        ])
    }

    @Test func optionLengthRunningPastTheAreaIsRejected() {
        #expect(throws: WireError.optionLengthOverrun(offset: 0)) {
            try TCPOptions(rawBytes: [2, 6, 0, 0])
        }
    }

    @Test func synLayoutBuilderGivesLinuxBytesForEveryCombination() throws {
        // Bytes as Linux's tcp_options_write lays them out (mss 1460, TS 0x01020304/0x0a0b0c0d, wscale 7).
        let mss: [UInt8] = [2, 4, 0x05, 0xb4]
        let ts: [UInt8] = [8, 10, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d]
        let ws: [UInt8] = [1, 3, 3, 7]
        for sack in [false, true] {
            for stamps in [false, true] {
                for scale in [false, true] {
                    var expected = mss
                    if stamps { expected += (sack ? [4, 2] : [1, 1]) + ts } else if sack { expected += [1, 1, 4, 2] }
                    if scale { expected += ws }
                    let built = TCPOptions(
                        synMSS: 1460, sackPermitted: sack, timestamps: stamps ? (0x0102_0304, 0x0a0b_0c0d) : nil,
                        windowScale: scale ? 7 : nil)
                    #expect(built.bytes == expected, "sack \(sack) ts \(stamps) ws \(scale)")
                    #expect(built == (try TCPOptions(rawBytes: expected)))
                }
            }
        }
    }

    @Test func alignedTimestampsAppendIsNopNopTSAndRefusesOverflow() throws {
        var o = TCPOptions()
        let first = o.appendAlignedTimestamps(value: 5, echoReply: 6)
        #expect(first)
        #expect(o.bytes == [1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6])
        let second = o.appendAlignedTimestamps(value: 1, echoReply: 2)
        let third = o.appendAlignedTimestamps(value: 3, echoReply: 4)
        #expect(second && third)
        #expect(o.count == 36)
        let fourth = o.appendAlignedTimestamps(value: 7, echoReply: 8)
        #expect(!fourth)
        #expect(o.count == 36)
    }
}
