import Testing
@testable import TCPStack

private func at(_ ms: Int64) -> Instant { .milliseconds(ms) }

/// The persist timer (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17) and the user timeout (RFC 9293 §3.8.6.4, RFC 5482)
/// the engine keeps per connection.
@Suite("Persist timer and user timeout")
struct PersistTimerTests {
    @Test func zeroWindowProbesBackOffExponentially() {
        var p = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: nil)
        p.start(rto: .milliseconds(200), at: at(0))
        var probes: [Int64] = []
        while probes.count < 5, let d = p.deadline {
            #expect(p.expire(at: d) == .sendProbe)
            probes.append(d.nanoseconds / 1_000_000)
        }
        #expect(probes == [200, 600, 1400, 3000, 6200])  // 200 ms, then 400, 800, 1600, 3200
        #expect(p.deadline == at(12600))  // +6400
    }

    @Test func answeredProbesKeepBackingOffUntilTheWindowOpens() {
        var p = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: 2)
        p.start(rto: .milliseconds(200), at: at(0))
        _ = p.expire(at: at(200))
        _ = p.expire(at: at(600))
        #expect(p.unansweredProbes == 2)
        p.ackReceived(windowOpen: false, at: at(700))  // answered, window still zero
        #expect(p.unansweredProbes == 0)
        #expect(p.deadline == at(1400))
        #expect(p.expire(at: at(1400)) == .sendProbe)
        p.ackReceived(windowOpen: true, at: at(1500))
        #expect(p.deadline == nil)
        #expect(p.backoff == 0)
    }

    @Test func unansweredProbesBeyondTheLimitTimeOut() {
        var p = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: 3)
        p.start(rto: .milliseconds(200), at: at(0))
        var results: [PersistTimer.Expiry] = []
        while let d = p.deadline { results.append(p.expire(at: d)) }
        #expect(results == [.sendProbe, .sendProbe, .sendProbe, .timedOut])
    }

    @Test func stopClearsTheDeadlineBackoffAndProbeCount() {
        var p = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: 3)
        p.start(rto: .milliseconds(200), at: at(0))
        _ = p.expire(at: at(200))
        p.stop()
        #expect(p.deadline == nil)
        #expect(p.backoff == 0)
        #expect(p.unansweredProbes == 0)
        p.start(rto: .milliseconds(200), at: at(1000))
        #expect(p.deadline == at(1200))  // no leftover backoff
    }

    @Test func probeIntervalIsCappedAtTheMaximum() {
        var p = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: nil)
        p.start(rto: .milliseconds(200), at: at(0))
        for _ in 0..<9 { _ = p.expire(at: p.deadline!) }
        #expect(p.interval == .milliseconds(102_400))
        _ = p.expire(at: p.deadline!)
        #expect(p.interval == .seconds(120))
    }

    @Test func userTimeoutAbortsAfterNoProgressFor30s() {
        var u = UserTimeout(timeout: .seconds(30))
        u.dataSent(at: at(10_000))
        u.dataSent(at: at(15_000))
        #expect(u.deadline == at(40_000))
        u.acknowledged(dataStillOutstanding: true, at: at(20_000))
        #expect(u.deadline == at(50_000))
        #expect(!u.isExpired(at: at(49_999)))
        #expect(u.isExpired(at: at(50_000)))
        u.acknowledged(dataStillOutstanding: false, at: at(50_000))
        #expect(u.deadline == nil)
        #expect(UserTimeout(timeout: nil).deadline == nil)
    }
}
