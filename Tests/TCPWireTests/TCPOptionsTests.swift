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
}
