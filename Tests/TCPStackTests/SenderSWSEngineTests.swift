import Testing
import TCPWire
@testable import TCPStack

/// Sender silly-window avoidance in the engine (RFC 9293 §3.8.6.2.1): a piece the peer's window cuts short.
@Suite("Engine sender SWS avoidance")
struct SenderSWSEngineTests {
    /// The server has 100 bytes in flight when the client's window shrinks to 150; then 1000 more are written.
    private func shrunkWindow(_ config: TCPConfiguration) throws -> (Pair, [IPPacket]) {
        var pair = try Pair(config)
        let server = pair.server!
        #expect(try pair.s.send(server, [UInt8](repeating: 1, count: 100), now: pair.wire.now) == 100)
        #expect(pair.s.takePackets().map(\.tcp.payload.count) == [100])
        let tcb = pair.serverTCB
        _ = pair.injectToServer(pair.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndUna.rawValue, flags: .ack,
                                              window: 150))
        #expect(try pair.s.send(server, [UInt8](repeating: 2, count: 1000), now: pair.wire.now) == 1000)
        return (pair, pair.s.takePackets())
    }

    @Test func rfc9293HoldsAWindowLimitedPieceWhileDataIsInFlightAndSendsItOnTheAck() throws {
        var (pair, sent) = try shrunkWindow(.rfc9293)
        #expect(sent.isEmpty)  // 50 usable bytes, under Max(SND.WND) / 2, with 100 in flight: wait
        let tcb = pair.serverTCB
        let after = pair.injectToServer(pair.toServer(seq: tcb.rcvNxt.rawValue, ack: tcb.sndNxt.rawValue, flags: .ack,
                                                      window: 150))
        #expect(after.map(\.tcp.payload.count) == [150])  // nothing in flight: the piece goes
    }

    /// Linux tcp_snd_wnd_test: the next segment (1000 bytes, under one MSS) must fit the window whole, so the
    /// 50 usable bytes stay unused (the tcp_info/tcp-info-rwnd-limited.pkt script shows it on the live kernel).
    @Test func linuxHoldsASegmentTheWindowWouldCut() throws {
        var config = TCPConfiguration.linux6
        config.windowScaling = false  // so the 16-bit window field is the window
        let (_, sent) = try shrunkWindow(config)
        #expect(sent.isEmpty)
    }

    @Test func withoutTheWholeSegmentRuleTheWindowLimitedPieceGoesAtOnce() throws {
        var config = TCPConfiguration.linux6
        config.windowScaling = false
        config.sendWholeSegmentsInWindow = false
        let (_, sent) = try shrunkWindow(config)
        #expect(sent.map(\.tcp.payload.count) == [50])
    }
}
