import Testing
import TCPWire
@testable import TCPStack

/// TCP_INQ (Linux tcp_inq_hint), SO_ZEROCOPY completions and SO_TIMESTAMPING transmit timestamps (Linux
/// tcp_tx_timestamp, __skb_tstamp_tx, tcp_ack_tstamp) through the socket's error queue.
@Suite("Engine TCP_INQ, SO_ZEROCOPY and SO_TIMESTAMPING")
struct SocketReportingTests {
    /// Drains the server socket's error queue.
    func drain(_ p: inout Pair) throws -> [ErrorQueueMessage] {
        var out: [ErrorQueueMessage] = []
        while let m = try p.s.readErrorQueue(p.server!) { out.append(m) }
        return out
    }

    /// An ACK from the client's side for the server's bytes up to `offset` (from its ISS + 1).
    func ack(_ p: inout Pair, upTo offset: Int) {
        let seq = p.c.connection(p.client)!.sndNxt.rawValue
        let ack = (p.serverTCB.iss + 1 + offset).rawValue
        _ = p.injectToServer(p.toServer(seq: seq, ack: ack, flags: .ack, window: 1000))
    }

    @Test func receiveQueueHintCountsUnreadBytesAndTheFINUntilEndOfStreamIsRead() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setReceiveQueueHint(s, 1)
        #expect(p.s.receiveQueueHintEnabled(of: s) == true)
        _ = try p.c.send(p.client, [UInt8](repeating: 7, count: 100), now: p.wire.now)
        p.wire.run()
        #expect(p.s.receiveQueueHint(of: s) == 100)
        _ = try p.s.receive(s, maxBytes: 40, now: p.wire.now)
        #expect(p.s.receiveQueueHint(of: s) == 60)
        try p.c.shutdown(p.client, .write, now: p.wire.now)
        p.wire.run()
        // The FIN counts as one byte while unread (RCV.NXT - copied_seq).
        #expect(p.s.receiveQueueHint(of: s) == 61)
        _ = try p.s.receive(s, maxBytes: 60, now: p.wire.now)
        #expect(p.s.receiveQueueHint(of: s) == 1)
        // End of stream read: still 1, so a reader that stops at 0 goes on to see it (tcp_inq_hint).
        #expect(try p.s.receive(s, maxBytes: 10, now: p.wire.now).isEmpty)
        #expect(p.s.receiveQueueHint(of: s) == 1)
    }

    @Test func receiveQueueHintAcceptsOnlyZeroOrOne() throws {
        var p = try Pair(.linux6)
        #expect(throws: SocketError.invalidArgument) { try p.s.setReceiveQueueHint(p.server!, 2) }
        #expect(throws: SocketError.invalidArgument) { try p.s.setReceiveQueueHint(p.server!, -1) }
        #expect(p.s.receiveQueueHintEnabled(of: p.server!) == false)
    }

    @Test func zerocopySendsCompleteWhenAcknowledgedAndAdjacentCompletionsMerge() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setZerocopy(s, 1)
        #expect(try p.s.sendZerocopy(s, [UInt8](repeating: 1, count: 100), now: p.wire.now) == 100)
        // An empty send takes no id (Linux: MSG_ZEROCOPY only with a size).
        #expect(try p.s.sendZerocopy(s, [], now: p.wire.now) == 0)
        #expect(try p.s.sendZerocopy(s, [UInt8](repeating: 2, count: 50), now: p.wire.now) == 50)
        #expect(try drain(&p).isEmpty)
        ack(&p, upTo: 100)
        // The first send is acknowledged; the second is still waiting.
        #expect(try drain(&p) == [.zerocopy(first: 0, last: 0)])
        ack(&p, upTo: 150)
        #expect(try drain(&p) == [.zerocopy(first: 1, last: 1)])
    }

    @Test func zerocopyCompletionsQueuedTogetherMergeIntoOneRange() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setZerocopy(s, 1)
        try p.s.setNoDelay(s, true, now: p.wire.now)
        _ = try p.s.sendZerocopy(s, [UInt8](repeating: 1, count: 10), now: p.wire.now)
        _ = try p.s.sendZerocopy(s, [UInt8](repeating: 1, count: 10), now: p.wire.now)
        _ = try p.s.sendZerocopy(s, [UInt8](repeating: 1, count: 10), now: p.wire.now)
        ack(&p, upTo: 30)
        #expect(try drain(&p) == [.zerocopy(first: 0, last: 2)])
    }

    @Test func msgZerocopyWithoutSoZerocopyQueuesNothing() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        #expect(try p.s.sendZerocopy(s, [UInt8](repeating: 1, count: 10), now: p.wire.now) == 10)
        ack(&p, upTo: 10)
        #expect(try drain(&p).isEmpty)
        #expect(throws: SocketError.invalidArgument) { try p.s.setZerocopy(s, 2) }
    }

    @Test func txTimestampsMarkTheLastByteOfEachWriteWhenScheduledSentAndAcknowledged() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setTimestamping(s, [.txSched, .txSoftware, .txAck, .software, .optID])
        try p.s.setNoDelay(s, true, now: p.wire.now)
        let t0 = p.wire.now
        #expect(try p.s.send(s, [UInt8](repeating: 0, count: 2000), now: t0) == 2000)
        #expect(try p.s.send(s, [UInt8](repeating: 0, count: 2000), now: t0) == 2000)
        let sent = try drain(&p).map { m -> (TimestampMoment, UInt32, Instant) in
            guard case .timestamp(let moment, let key, let at, let bytes) = m else { return (.sent, .max, .zero) }
            #expect(bytes > 0)
            return (moment, key, at)
        }
        // Keys count from SND.UNA when OPT_ID was set: the last bytes of the writes are 1999 and 3999.
        #expect(sent.map(\.0) == [.scheduled, .sent, .scheduled, .sent])
        #expect(sent.map(\.1) == [1999, 1999, 3999, 3999])
        #expect(sent.allSatisfy { $0.2 == t0 })
        p.wire.now = t0 + .milliseconds(10)
        ack(&p, upTo: 1999)
        // Byte 1999 itself is not yet acknowledged.
        #expect(try drain(&p).isEmpty)
        ack(&p, upTo: 2000)
        #expect(try drain(&p).map(\.moment) == [.acknowledged])
        p.wire.now = t0 + .milliseconds(20)
        ack(&p, upTo: 4000)
        let last = try drain(&p)
        guard case .timestamp(.acknowledged, let key, let at, _)? = last.first else {
            Issue.record("no ACK timestamp: \(last)")
            return
        }
        #expect(last.count == 1 && key == 3999 && at == t0 + .milliseconds(20))
    }

    @Test func withoutOptIDTheKeyIsZeroAndTSOnlyMessagesCarryNoPayload() throws {
        var p = try Pair(.linux6)
        let s = p.server!
        try p.s.setTimestamping(s, [.txSoftware, .optTSOnly])
        _ = try p.s.send(s, [UInt8](repeating: 0, count: 300), now: p.wire.now)
        #expect(try drain(&p) == [.timestamp(.sent, key: 0, at: p.wire.now, payloadBytes: 0)])
    }

    @Test func timestampingRejectsUnknownFlagsAndOptIDOnAListener() throws {
        var p = try Pair(.linux6)
        #expect(throws: SocketError.invalidArgument) {
            try p.s.setTimestamping(p.server!, TimestampingFlags(rawValue: 1 << 30))
        }
        #expect(throws: SocketError.invalidArgument) { try p.s.setTimestamping(p.server!, [.optIDTCP]) }
        #expect(throws: SocketError.invalidArgument) { try p.s.setTimestamping(p.listener, [.optID]) }
        try p.s.setTimestamping(p.listener, [.txSoftware])
        #expect(p.s.timestamping(of: p.listener) == [.txSoftware])
    }
}

extension ErrorQueueMessage {
    var moment: TimestampMoment? {
        if case .timestamp(let m, _, _, _) = self { return m }
        return nil
    }
}
