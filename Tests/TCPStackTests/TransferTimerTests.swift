import Testing
@testable import TCPStack

private func at(_ ms: Int64) -> Instant { .milliseconds(ms) }

@Suite("Timestamps (RFC 7323), persist, keepalive, user timeout, urgent pointer")
struct TransferTimerTests {
    @Test func timestampClockTicksInMillisecondsPlusOffset() {
        let clock = TimestampClock(tick: .milliseconds(1), offset: 0xFFFF_FFF0)
        #expect(clock.value(at: at(0)) == 0xFFFF_FFF0)
        #expect(clock.value(at: at(20)) == 4)  // wraps
        let hz100 = TimestampClock(tick: .milliseconds(10))
        #expect(hz100.value(at: at(1234)) == 123)
    }

    @Test func pawsRejectsAnOlderTimestamp() {
        var ts = TimestampState(clock: TimestampClock())
        ts.segmentAccepted(tsVal: 1000, seq: 5000, lastAckSent: 5000, at: at(0))
        #expect(ts.tsRecent == 1000)
        #expect(!ts.pawsAccepts(tsVal: 999, isReset: false, at: at(10)))
        #expect(ts.pawsAccepts(tsVal: 1000, isReset: false, at: at(10)))
        #expect(ts.pawsAccepts(tsVal: 1001, isReset: false, at: at(10)))
        #expect(ts.pawsAccepts(tsVal: 999, isReset: true, at: at(10)))  // R1 exempts RST
    }

    @Test func linuxPawsWindowToleratesOneTick() {
        var ts = TimestampState(clock: TimestampClock(), pawsWindow: 1)
        ts.segmentAccepted(tsVal: 1000, seq: 0, lastAckSent: 0, at: at(0))
        #expect(ts.pawsAccepts(tsVal: 999, isReset: false, at: at(1)))
        #expect(!ts.pawsAccepts(tsVal: 998, isReset: false, at: at(1)))
    }

    @Test func pawsComparesModulo2To32() {
        var ts = TimestampState(clock: TimestampClock())
        ts.segmentAccepted(tsVal: 0xFFFF_FFF0, seq: 0, lastAckSent: 0, at: at(0))
        #expect(ts.pawsAccepts(tsVal: 5, isReset: false, at: at(1)))  // newer across the wrap
        #expect(!ts.pawsAccepts(tsVal: 0xFFFF_FFE0, isReset: false, at: at(1)))
    }

    @Test func tsRecentOlderThan24DaysNoLongerRejects() {
        var ts = TimestampState(clock: TimestampClock())
        ts.segmentAccepted(tsVal: 1000, seq: 0, lastAckSent: 0, at: at(0))
        let day: Int64 = 86_400_000
        #expect(!ts.pawsAccepts(tsVal: 10, isReset: false, at: at(24 * day)))
        #expect(ts.pawsAccepts(tsVal: 10, isReset: false, at: at(24 * day + 1)))
    }

    @Test func tsRecentOnlyUpdatesFromASegmentCoveringLastAckSent() {
        var ts = TimestampState(clock: TimestampClock())
        ts.segmentAccepted(tsVal: 100, seq: 1000, lastAckSent: 1000, at: at(0))
        ts.segmentAccepted(tsVal: 200, seq: 3000, lastAckSent: 1000, at: at(1))  // out of order: no update
        #expect(ts.tsRecent == 100)
        ts.segmentAccepted(tsVal: 90, seq: 1000, lastAckSent: 1000, at: at(2))  // older TSval: no update
        #expect(ts.tsRecent == 100)
        ts.segmentAccepted(tsVal: 150, seq: 1000, lastAckSent: 2000, at: at(3))
        #expect(ts.tsRecent == 150)
        #expect(ts.echoReply == 150)
    }

    @Test func rttmMeasuresFromTheEchoedTimestamp() {
        let ts = TimestampState(clock: TimestampClock())
        #expect(ts.rttSample(tsEcr: 1400, at: at(1500)) == .milliseconds(100))
        #expect(ts.rttSample(tsEcr: 0, at: at(1500)) == nil)
        #expect(ts.rttSample(tsEcr: 1600, at: at(1500)) == nil)
    }

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

    @Test func probeIntervalIsCappedAtTheMaximum() {
        var p = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: nil)
        p.start(rto: .milliseconds(200), at: at(0))
        for _ in 0..<9 { _ = p.expire(at: p.deadline!) }
        #expect(p.interval == .milliseconds(102_400))
        _ = p.expire(at: p.deadline!)
        #expect(p.interval == .seconds(120))
    }

    @Test func keepaliveSendsCountProbesThenTimesOut() {
        var k = Keepalive(idle: .seconds(7200), interval: .seconds(75), count: 9, lastReceived: .zero)
        #expect(k.expire(dataOutstanding: false, at: .milliseconds(7_199_999)) == .none)
        var probes: [Int64] = []
        var result = Keepalive.Expiry.none
        while true {
            let d = k.deadline
            result = k.expire(dataOutstanding: false, at: d)
            guard result == .sendProbe else { break }
            probes.append(d.nanoseconds / 1_000_000_000)
        }
        #expect(probes == [7200, 7275, 7350, 7425, 7500, 7575, 7650, 7725, 7800])
        #expect(result == .timedOut)
        #expect(k.deadline == .milliseconds(7_875_000))
    }

    @Test func keepaliveAnswerResetsTheProbeCount() {
        var k = Keepalive(idle: .seconds(10), interval: .seconds(1), count: 3, lastReceived: .zero)
        #expect(k.expire(dataOutstanding: false, at: .milliseconds(10_000)) == .sendProbe)
        k.segmentReceived(at: .milliseconds(10_050))
        #expect(k.probesSent == 0)
        #expect(k.deadline == .milliseconds(20_050))
        #expect(k.expire(dataOutstanding: true, at: .milliseconds(20_050)) == .none)
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

    @Test func urgentPointerIsRecordedButNeverTakesBytesOutOfTheStream() {
        var u = UrgentPointer()
        u.segmentArrived(seq: 1000, pointer: 0, readSeq: 1000)  // zero pointer: no urgent data
        #expect(u.mark == nil)
        u.segmentArrived(seq: 1000, pointer: 5, readSeq: 1000)  // urgent data ends before 1005 (RFC 6093 §3)
        #expect(u.mark == 1005)
        #expect(u.isPending(readSeq: 1004))
        #expect(!u.isPending(readSeq: 1005))
        u.segmentArrived(seq: 900, pointer: 50, readSeq: 1000)  // 950: already read, ignored
        #expect(u.mark == 1005)
        u.segmentArrived(seq: 1010, pointer: 0xFFFF, readSeq: 1000)  // beyond the segment: allowed
        #expect(u.mark == UInt32(1010 + 0xFFFF))
        // The bytes themselves go through the reassembly queue unchanged.
        var q = ReassemblyQueue(rcvNxt: 1000)
        var got: [UInt8] = []
        let bytes: [UInt8] = [0x41, 0x42, 0x21, 0x43, 0x44]
        _ = q.receive(seq: 1000, payload: bytes[...]) { got += $0 }
        #expect(got == bytes)
    }
}
