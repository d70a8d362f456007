import Testing
import TCPWire
@testable import TCPStack

/// An interface queue that drops every packet and tells the sender (Linux `NET_XMIT_DROP`): data stays unsent and
/// the persist timer retries it every `TCP_RESOURCE_PROBE_INTERVAL` without backing off (`tcp_send_probe0`), and
/// TCP_USER_TIMEOUT counts from the timer's first expiry (`tcp_probe_timer`, `icsk_probes_tstamp`).
@Suite("Engine with a dropping transmit queue")
struct TransmitQueueDropEngineTests {
    @Test func unsentDataIsRetriedEvery500msAndTheUserTimeoutCountsFromTheFirstRetry() throws {
        var p = try Pair(.linux6)
        try p.s.setUserTimeout(p.server!, milliseconds: 3000)
        p.s.transmitQueueDrops = true
        #expect(try p.s.send(p.server!, [UInt8](repeating: 1, count: 24), now: p.wire.now) == 24)
        #expect(p.s.takePackets().isEmpty)
        #expect(p.serverTCB.sndNxt == p.serverTCB.sndUna)  // nothing went out
        let first = try #require(p.s.nextDeadline)
        var expiries: [Instant] = []
        while let due = p.s.nextDeadline, expiries.count < 20 {
            p.s.advance(to: due)
            expiries.append(due)
            if p.s.state(of: p.server!) == .closed { break }
        }
        // Retries at the first expiry and every 500 ms after it; 3 s after the first, ETIMEDOUT.
        #expect(expiries.count == 7)  // six probes, then the abort
        for (k, t) in expiries.enumerated() { #expect(t == first + .milliseconds(500 * Int64(k))) }
        #expect(p.s.error(of: p.server!) == .timedOut)
        let info = try #require(p.s.tcpInfo(of: p.server!, now: expiries.last!))
        #expect(info.probes == 6)
        #expect(info.backoff == 0)
    }

    @Test func onceTheQueueTakesPacketsAgainTheNextRetrySendsTheData() throws {
        var p = try Pair(.linux6)
        p.s.transmitQueueDrops = true
        _ = try p.s.send(p.server!, [UInt8](repeating: 1, count: 24), now: p.wire.now)
        let due = try #require(p.s.nextDeadline)
        p.s.advance(to: due)
        #expect(p.s.takePackets().isEmpty)
        p.s.transmitQueueDrops = false
        p.s.advance(to: try #require(p.s.nextDeadline))
        #expect(p.s.takePackets().map(\.tcp.payload.count) == [24])
    }
}
