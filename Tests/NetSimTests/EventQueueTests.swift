import NetSim
import TCPStack
import Testing

@Suite struct EventQueueTests {
    @Test func eventsComeOutInTimeOrder() {
        var q = EventQueue<String>()
        q.schedule("c", at: .milliseconds(30))
        q.schedule("a", at: .milliseconds(10))
        q.schedule("b", at: .milliseconds(20))
        var out: [String] = []
        while let e = q.popNext() { out.append(e.payload) }
        #expect(out == ["a", "b", "c"])
    }

    @Test func simultaneousEventsRunInSchedulingOrder() {
        var q = EventQueue<Int>()
        // Many equal times interleaved with others: a heap alone would not keep these in order.
        for i in 0..<200 { q.schedule(i, at: Instant(nanoseconds: Int64(i % 3) * 100)) }
        var out: [(Int64, Int)] = []
        while let e = q.popNext() { out.append((e.at.nanoseconds, e.payload)) }
        let expected = (0..<3).flatMap { t in (0..<200).filter { $0 % 3 == t }.map { (Int64(t) * 100, $0) } }
        #expect(out.map(\.0) == expected.map(\.0))
        #expect(out.map(\.1) == expected.map(\.1))
    }

    @Test func nextTimeIsTheEarliestPendingEvent() {
        var q = EventQueue<Int>()
        #expect(q.nextTime == nil)
        q.schedule(1, at: .milliseconds(5))
        q.schedule(2, at: .milliseconds(2))
        #expect(q.nextTime == .milliseconds(2))
        #expect(q.count == 2)
    }

    @Test func clockJumpsForward() {
        var clock = VirtualClock()
        clock.jump(to: .milliseconds(7))
        #expect(clock.now == .milliseconds(7))
    }
}
