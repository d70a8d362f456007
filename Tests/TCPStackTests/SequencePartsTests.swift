import Testing
@testable import TCPStack

/// The send and receive sequence spaces as parts of the TCB (SendSequence, ReceiveSequence, TimestampState),
/// checked on their own, without a host.
@Suite struct SequencePartsTests {
    /// RCV.NXT = 1000, a promised window of 100 (RCV.WUP = RCV.NXT).
    func receiver(window: Int = 100) -> ReceiveSequence {
        var r = ReceiveSequence()
        r.synchronize(irs: SeqNum(999))
        r.advertise(window)
        return r
    }

    @Test func theSynFixesRcvNxtOnePastIRS() {
        let r = receiver()
        #expect(r.irs == SeqNum(999))
        #expect(r.nxt == SeqNum(1000))
        #expect(r.wup == SeqNum(1000))
        #expect(r.window == 100)
    }

    @Test func rfc9293CheckAcceptsTextOverlappingTheWindowAndNothingBeyondIt() {
        let r = receiver()
        #expect(r.isAcceptable(seq: SeqNum(1000), length: 10, check: .rfc9293))
        #expect(r.isAcceptable(seq: SeqNum(995), length: 10, check: .rfc9293))  // its last byte is in the window
        #expect(r.isAcceptable(seq: SeqNum(1099), length: 0, check: .rfc9293))
        #expect(!r.isAcceptable(seq: SeqNum(1100), length: 0, check: .rfc9293))
        #expect(!r.isAcceptable(seq: SeqNum(990), length: 10, check: .rfc9293))  // entirely old
    }

    @Test func aZeroWindowAcceptsOnlyAnEmptySegmentAtRcvNxt() {
        let r = receiver(window: 0)
        #expect(r.isAcceptable(seq: SeqNum(1000), length: 0, check: .rfc9293))
        #expect(!r.isAcceptable(seq: SeqNum(1001), length: 0, check: .rfc9293))
        #expect(!r.isAcceptable(seq: SeqNum(1000), length: 1, check: .rfc9293))
    }

    @Test func linuxCheckAcceptsAnOldSegmentEndingAtRcvWupAndTextStartingAtTheRightEdge() {
        let r = receiver()
        #expect(r.isAcceptable(seq: SeqNum(990), length: 10, check: .linux))
        #expect(!r.isAcceptable(seq: SeqNum(989), length: 10, check: .linux))
        #expect(r.isAcceptable(seq: SeqNum(1100), length: 10, check: .linux))
        #expect(!r.isAcceptable(seq: SeqNum(1101), length: 10, check: .linux))
    }

    @Test func thePromisedRightEdgeDoesNotMoveLeftAsTextArrives() {
        var r = receiver()
        r.nxt = r.nxt + 40
        #expect(r.window == 60)
        #expect(r.windowField(free: 0, scale: 0, linuxWindow: false) == (60, 60))
    }

    @Test func aScaledWindowFieldRoundsUpToTheScaleUnit() {
        let r = receiver(window: 0)
        #expect(r.windowField(free: 1000, scale: 7, linuxWindow: false) == (8, 1024))
        #expect(r.windowField(free: 100_000, scale: 0, linuxWindow: false) == (65535, 65535))
        #expect(r.windowField(free: 100_000, scale: 0, linuxWindow: true) == (65535, 100_000))
    }

    @Test func startingAtISSPutsTheSynInFlightAndDataAfterIt() {
        var s = SendSequence()
        s.start(iss: SeqNum(5000))
        #expect(s.iss == SeqNum(5000))
        #expect(s.una == SeqNum(5000))
        #expect(s.nxt == SeqNum(5001))
        #expect(s.bufferStart == SeqNum(5001))
    }

    @Test func onlyASegmentNoOlderThanTheLastWindowUpdateMovesTheWindow() {
        var s = SendSequence()
        s.start(iss: SeqNum(5000))
        s.updateWindow(1000, seq: SeqNum(200), ack: SeqNum(5001))
        #expect(s.takesWindowUpdate(seq: SeqNum(201), ack: SeqNum(5001)))
        #expect(s.takesWindowUpdate(seq: SeqNum(200), ack: SeqNum(5001)))
        #expect(!s.takesWindowUpdate(seq: SeqNum(199), ack: SeqNum(5001)))
        #expect(!s.takesWindowUpdate(seq: SeqNum(200), ack: SeqNum(4999)))  // ACK below SND.UNA
        s.updateWindow(300, seq: SeqNum(201), ack: SeqNum(5001))
        #expect(s.wnd == 300)
        #expect(s.maxWnd == 1000)
        #expect(s.usableWindow == 299)
    }

    @Test func pawsRejectsAnOlderTSvalUntilTSRecentIsTwentyFourDaysOld() {
        var t = TimestampState()
        let start = Instant(nanoseconds: 0)
        t.setRecent(1000, now: start)
        #expect(t.passesPAWS(1000, slack: 0, now: start))
        #expect(!t.passesPAWS(999, slack: 0, now: start))
        #expect(t.passesPAWS(999, slack: 1, now: start))
        let later = Instant(nanoseconds: Int64(TimestampState.pawsIdleLimitSeconds) * 1_000_000_000)
        #expect(t.passesPAWS(999, slack: 0, now: later))
    }

    @Test func anOlderTSvalReplacesTSRecentOnlyOnceItExpired() {
        var t = TimestampState()
        t.setRecent(1000, now: Instant(nanoseconds: 0))
        t.note(900, startsByLastAck: true, now: Instant(nanoseconds: 0))
        #expect(t.recent == 1000)
        t.note(1100, startsByLastAck: false, now: Instant(nanoseconds: 0))
        #expect(t.recent == 1000)
        t.note(1100, startsByLastAck: true, now: Instant(nanoseconds: 0))
        #expect(t.recent == 1100)
        let later = Instant(nanoseconds: Int64(TimestampState.pawsIdleLimitSeconds) * 1_000_000_000)
        t.note(900, startsByLastAck: true, now: later)
        #expect(t.recent == 900)
    }
}
