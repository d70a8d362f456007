import Testing
import TCPWire
@testable import TCPStack

/// An unanswered SYN in the engine: RFC 6298 §5.5 backoff from the 1 s initial RTO, `tcp_syn_retries` resends,
/// then ETIMEDOUT (RFC 9293 §3.8.3 R2 for a SYN).
@Suite("Engine SYN retransmission")
struct SYNRetryEngineTests {
    /// Linux waits a full 64 s after the sixth resend (`TCP_RTO_MAX` 120 s); the RFC's 60 s ceiling
    /// (RFC 6298 §2.5) cuts that wait to 60 s.
    @Test(arguments: [(TCPConfiguration.linux6, Int64(127)), (.rfc9293, 123)])
    func unansweredSYNIsResentAt1_3_7_15_31_63sThenFailsWithETIMEDOUT(config: TCPConfiguration, gaveUp: Int64) throws {
        var h = host(config, [clientAddress])
        let s = h.socket()
        let start = Instant.milliseconds(100_000)
        try h.connect(s, to: serverEndpoint, now: start)
        var sent: [Int64] = h.takePackets().map { _ in 0 }
        var failedAt: Int64?
        var now = start
        while let due = h.nextDeadline, sent.count <= 20 {
            now = due
            h.advance(to: now)
            let seconds = (now - start).components.seconds
            sent += h.takePackets().filter { $0.tcp.flags == .syn }.map { _ in seconds }
            if h.takeEvents().contains(.timedOut(s)) { failedAt = seconds }
        }
        #expect(sent == [0, 1, 3, 7, 15, 31, 63])
        #expect(failedAt == gaveUp)
        #expect(h.error(of: s) == .timedOut)
    }
}
