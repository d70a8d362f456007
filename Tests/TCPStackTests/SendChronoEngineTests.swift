import Testing
import TCPWire
@testable import TCPStack

/// Linux's send chronographs as TCP_INFO reports them (`tcp_chrono_start`/`tcp_chrono_stop` in
/// net/ipv4/tcp_output.c, `tcp_get_info_chrono_stats` in net/ipv4/tcp.c), and the whole-segment window test
/// (`tcp_snd_wnd_test`) that decides when the sender is receive-window limited.
@Suite("Engine send chronographs and the whole-segment window test")
struct SendChronoEngineTests {
    /// A linux-6 pair without window scaling, so a test's window field is the window in bytes.
    private func pair(wholeSegments: Bool = true) throws -> Pair {
        var config = TCPConfiguration.linux6
        config.windowScaling = false
        config.sendWholeSegmentsInWindow = wholeSegments
        return try Pair(config)
    }

    /// The client's ACK of everything the server sent so far, offering `window`.
    private func ack(_ pair: inout Pair, window: UInt16) -> [IPPacket] {
        let tcb = pair.serverTCB
        return pair.injectToServer(pair.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
                                                 window: window))
    }

    private func info(_ pair: Pair) throws -> TCPInfo {
        try #require(pair.s.tcpInfo(of: pair.server!, now: pair.wire.now))
    }

    @Test func closedWindowCountsAsReceiveWindowLimitedAndAckedDataEndsBusyTime() throws {
        var p = try pair()
        #expect(ack(&p, window: 0).isEmpty)
        #expect(try info(p).busyMicroseconds == 0)
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 1000), now: p.wire.now)
        #expect(p.s.takePackets().isEmpty)
        p.wire.advance(by: .milliseconds(100))
        #expect(try info(p).receiveWindowLimitedMicroseconds == 100_000)
        // The window opens: the data goes, the sender is busy (not limited) until it is acknowledged.
        let sent = ack(&p, window: 2000)
        #expect(sent.map(\.tcp.payload.count) == [1000])
        p.wire.advance(by: .milliseconds(30))
        var now = try info(p)
        #expect(now.receiveWindowLimitedMicroseconds == 100_000)
        #expect(now.busyMicroseconds == 130_000)
        _ = ack(&p, window: 2000)
        p.wire.advance(by: .milliseconds(50))
        now = try info(p)
        #expect(now.busyMicroseconds == 130_000)  // idle time is not busy time
        #expect(now.sendBufferLimitedMicroseconds == 0)
    }

    @Test func linuxHoldsASegmentTheWindowWouldCutAndProbesWithWhatFits() throws {
        var p = try pair()
        _ = ack(&p, window: 10)
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 1000), now: p.wire.now)
        #expect(p.s.takePackets().isEmpty)  // tcp_snd_wnd_test: 1000 bytes do not fit 10
        p.wire.advance(by: .milliseconds(20))
        #expect(try info(p).receiveWindowLimitedMicroseconds == 20_000)
        // The persist timer runs; its probe carries what the window takes (tcp_write_wakeup).
        let due = try #require(p.s.nextDeadline)
        p.s.advance(to: due)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [10])
    }

    @Test func withoutTheWholeSegmentRuleTheWindowTakesAPiece() throws {
        var p = try pair(wholeSegments: false)
        _ = ack(&p, window: 10)
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 1000), now: p.wire.now)
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [10])
    }

    @Test func aFullSendBufferWithEverythingSentIsSendBufferLimited() throws {
        // Payload bytes against the buffer (no skb admission), so one write fills it and all of it goes out at once.
        var config = TCPConfiguration.linux6
        config.windowScaling = false
        config.linuxSkbSendQueue = false
        var p = try Pair(config)
        _ = ack(&p, window: 60000)
        let size = config.sendBufferSize
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: size + 1), now: p.wire.now) == size)
        #expect(!p.s.takePackets().isEmpty)
        p.wire.advance(by: .milliseconds(40))
        #expect(try info(p).sendBufferLimitedMicroseconds == 40_000)
        _ = ack(&p, window: 60000)  // the room is back
        p.wire.advance(by: .milliseconds(10))
        let now = try info(p)
        #expect(now.sendBufferLimitedMicroseconds == 40_000)
        #expect(now.busyMicroseconds == 40_000)
    }
}
