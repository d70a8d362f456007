import TCPWire
@testable import TCPStack

/// The segment the harness carries: just the fields reliable transfer needs (no handshake, no checksum).
struct HarnessSegment {
    var seq: UInt32
    var ack: UInt32
    var window: UInt16
    var payload: [UInt8]
    var fin: Bool
    var sack: [SACKBlock]
    var tsVal: UInt32
    var tsEcr: UInt32
}

/// Per-peer settings drawn from the seed.
struct PeerSettings {
    var mss: Int
    var sendBuffer: Int
    var receiveBuffer: Int
    /// The application reads at most this much every `readInterval` (zero: reads everything at once).
    var readChunk: Int
    var readInterval: Duration
    var cubic: Bool
}

/// One endpoint of an established connection built only from the Transfer components: the shape the engine's
/// `Connection` takes once it adopts them. It writes `outgoing`, reads into `received`, then closes with a FIN.
struct TransferPeer {
    let settings: PeerSettings
    let outgoing: [UInt8]
    private(set) var received: [UInt8] = []
    private(set) var error: SocketError?

    // Send side (RFC 9293 §3.3.1 names).
    private var written = 0
    private var sendBuffer: SendBuffer
    private var sndUna: UInt32, sndNxt: UInt32, sndWnd: Int
    private var sndWl1: UInt32, sndWl2: UInt32
    private let sndScale: UInt8
    private var finSent = false
    /// A FIN went out at least once: an ACK of it is acceptable even while going back to resend.
    private var finEverSent = false
    private var rtx: RetransmissionTimer
    private var cc: any CongestionControl
    private var scoreboard: SACKScoreboard
    private var policy: SendPolicy
    private var persist: PersistTimer

    // Receive side.
    private var reassembly: ReassemblyQueue
    private var receiveBuffer: ReceiveBuffer
    private var window: ReceiveWindow
    private var delayedAck = DelayedAck.linux
    private var timestamps: TimestampState
    private var lastAckSent: UInt32
    private var peerFinSeq: UInt32?
    private(set) var finReceived = false
    private var nextRead = Instant.zero
    /// The persist timer fired with a window too small to fill: send what fits once.
    private var overrideSWS = false
    private var ackPending = false

    init(settings: PeerSettings, outgoing: [UInt8], iss: UInt32, irs: UInt32, peerReceiveBuffer: Int,
         tsOffset: UInt32) {
        self.settings = settings
        self.outgoing = outgoing
        sendBuffer = SendBuffer(capacity: settings.sendBuffer, startSeq: iss)
        sndUna = iss
        sndNxt = iss
        sndScale = Self.scale(for: peerReceiveBuffer)
        sndWnd = Swift.min(peerReceiveBuffer, 0xFFFF << Int(sndScale))
        sndWl1 = irs
        sndWl2 = iss
        rtx = RetransmissionTimer(parameters: .linux, maxRetransmissions: 15)
        cc = settings.cubic ? Cubic(mss: settings.mss) : NewReno(mss: settings.mss)
        scoreboard = SACKScoreboard(sndUna: iss, mss: settings.mss)
        policy = SendPolicy(mss: settings.mss, noDelay: true)
        policy.windowOffered(sndWnd)
        persist = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: 15)
        reassembly = ReassemblyQueue(rcvNxt: irs)
        receiveBuffer = ReceiveBuffer(capacity: settings.receiveBuffer)
        window = ReceiveWindow(scale: Self.scale(for: settings.receiveBuffer), bufferSize: settings.receiveBuffer,
                               mss: settings.mss)
        timestamps = TimestampState(clock: TimestampClock(tick: .milliseconds(1), offset: tsOffset), pawsWindow: 1)
        lastAckSent = irs
    }

    /// RFC 7323 §2.3: the smallest shift that fits the buffer in 16 bits.
    static func scale(for buffer: Int) -> UInt8 {
        var s: UInt8 = 0
        while (buffer >> Int(s)) > 0xFFFF && s < 14 { s += 1 }
        return s
    }

    private var rcvNxt: UInt32 { reassembly.rcvNxt &+ (finReceived ? 1 : 0) }
    private var finSeq: UInt32 { sendBuffer.endSeq }
    private var allWritten: Bool { written == outgoing.count }
    private var inFlight: Int { SequenceSpace.distance(sndUna, sndNxt) }
    /// Data or a FIN awaits acknowledgment.
    private var outstanding: Bool { inFlight > 0 || (finEverSent && sndUna != finSeq &+ 1) }
    /// The highest sequence number sent, for segments that carry none of their own.
    private var highestSent: UInt32 { finEverSent ? finSeq &+ 1 : SequenceSpace.max(sndNxt, scoreboard.highData) }

    /// Everything sent is acknowledged, FIN included, and the peer's FIN arrived.
    var isDone: Bool { finEverSent && sndUna == finSeq &+ 1 && finReceived && receiveBuffer.count == 0 }

    var nextDeadline: Instant? {
        var d = [rtx.deadline, delayedAck.deadline, persist.deadline].compactMap { $0 }
        if receiveBuffer.count > 0 { d.append(nextRead) }
        return d.min()
    }

    // MARK: Input

    mutating func input(_ seg: HarnessSegment, at now: Instant) -> [HarnessSegment] {
        guard error == nil else { return [] }
        // RFC 7323 §5.3 R1: PAWS drops an old segment and ACKs.
        guard timestamps.pawsAccepts(tsVal: seg.tsVal, isReset: false, at: now) else {
            return [makeAck(now)]
        }
        var out: [HarnessSegment] = []
        processAck(seg, now: now, out: &out)
        var ackNow = false
        // RFC 9293 §3.10.7.4: trim to the window; data beyond the edge is dropped and ACKed.
        let edge = window.rightEdge ?? rcvNxt
        var payload = seg.payload[...]
        let room = SequenceSpace.distance(seg.seq, edge)
        if payload.count > Swift.max(room, 0) {
            payload = payload.prefix(Swift.max(room, 0))
            ackNow = true
        }
        timestamps.segmentAccepted(tsVal: seg.tsVal, seq: seg.seq, lastAckSent: lastAckSent, at: now)
        if !payload.isEmpty {
            var delivered: [UInt8] = []
            let outcome = reassembly.receive(seq: seg.seq, payload: payload) { delivered += $0 }
            if receiveBuffer.append(delivered) != delivered.count { error = .invalidArgument }  // overran the buffer
            let irregular = outcome.outOfOrder || outcome.filledHole || outcome.duplicateBytes > 0
            if delayedAck.dataReceived(length: payload.count, mss: settings.mss, irregular: irregular, at: now) {
                ackNow = true
            }
        } else if seg.payload.isEmpty && !seg.fin && SequenceSpace.lt(seg.seq, rcvNxt) {
            ackNow = true  // a window probe (SEG.SEQ = SND.UNA − 1): answer it (RFC 9293 §3.10.7.4)
        }
        if seg.fin, seg.payload.count == payload.count {
            let fin = seg.seq &+ UInt32(seg.payload.count)
            if finReceived {
                if fin == reassembly.rcvNxt { reassembly.noteDuplicate(SACKBlock(left: fin, right: fin &+ 1)) }
            } else {
                peerFinSeq = fin
            }
            ackNow = true
        }
        if !finReceived, let fin = peerFinSeq, fin == reassembly.rcvNxt { finReceived = true }
        if ackNow { ackPending = true }
        out += output(at: now)
        return out
    }

    private mutating func processAck(_ seg: HarnessSegment, now: Instant, out: inout [HarnessSegment]) {
        let ack = seg.ack
        let highest = SequenceSpace.max(scoreboard.highData, sndNxt) &+ (finEverSent ? 1 : 0)
        guard SequenceSpace.le(sndUna, ack), SequenceSpace.le(ack, highest) else { return }
        let advance = SequenceSpace.distance(sndUna, ack)
        let update = scoreboard.ackReceived(ack: SequenceSpace.min(ack, finSeq), blocks: seg.sack)
        // RFC 9293 §3.10.7.4: window update when SND.WL1 < SEG.SEQ, or equal and SND.WL2 ≤ SEG.ACK.
        let oldWindow = sndWnd
        if SequenceSpace.lt(sndWl1, seg.seq) || (sndWl1 == seg.seq && SequenceSpace.le(sndWl2, ack)) {
            sndWnd = Int(seg.window) << Int(sndScale)
            sndWl1 = seg.seq
            sndWl2 = ack
            policy.windowOffered(sndWnd)
        }
        if advance > 0 {
            sendBuffer.acknowledge(upTo: SequenceSpace.min(ack, finSeq))
            sndUna = ack
            if SequenceSpace.lt(sndNxt, sndUna) { sndNxt = sndUna }
            let rtt = timestamps.rttSample(tsEcr: seg.tsEcr, at: now)
            rtx.ackAdvanced(to: ack, dataOutstanding: outstanding, timestampRTT: rtt, at: now)
            let action = cc.ackReceived(AckSample(
                ack: ack, newlyAcked: advance, isDuplicate: false, flightSize: inFlight, sndNxt: sndNxt, now: now,
                smoothedRTT: rtx.estimator.smoothedRTT))
            // The timer restarted above on every new ACK: RFC 6582's "slow but steady" variant.
            if case .retransmitAfterPartialAck = action { retransmitHead(now: now, out: &out) }
            persist.ackReceived(windowOpen: sendableNew(now: now) > 0, at: now)
        } else if seg.payload.isEmpty, !seg.fin, inFlight > 0,
                  sndWnd == oldWindow || update.newlySACKed > 0 {
            // RFC 5681 §2 duplicate ACK (RFC 6675 §2: new SACK information counts too).
            let action = cc.ackReceived(AckSample(
                ack: ack, newlyAcked: 0, isDuplicate: true, flightSize: inFlight, sndNxt: sndNxt, now: now))
            if action == .fastRetransmit { retransmitHead(now: now, out: &out) }
        } else {
            persist.ackReceived(windowOpen: sendableNew(now: now) > 0, at: now)
        }
    }

    // MARK: Output

    /// Application activity, due timers and whatever the windows allow.
    mutating func poll(at now: Instant) -> [HarnessSegment] {
        guard error == nil else { return [] }
        var out: [HarnessSegment] = []
        if receiveBuffer.count > 0, now >= nextRead {
            let before = window.rightEdge
            receiveBuffer.read(maxCount: settings.readChunk, into: &received)
            nextRead = now + settings.readInterval
            // A window update once the application frees enough (the SWS rule decides inside advertise).
            var probe = window
            let adv = probe.advertise(rcvNxt: rcvNxt, freeSpace: freeSpace)
            if let before, SequenceSpace.lt(before, rcvNxt &+ UInt32(adv.bytes)) { ackPending = true }
        }
        if let d = rtx.deadline, d <= now {
            switch rtx.expire(at: now) {
            case .timedOut:
                error = .timedOut  // RFC 9293 §3.8.3 R2 (tcp_retries2)
                return []
            case .retransmit:
                if rtx.retransmissions == 1 {
                    cc.retransmissionTimeout(flightSize: inFlight, sndNxt: sndNxt, now: now)
                }
                scoreboard.retransmissionTimeout()
                sndNxt = sndUna  // go back and resend from SND.UNA, skipping SACKed ranges (RFC 6675 §5.1)
                if finSent, sndUna != finSeq &+ 1 { finSent = false }
            }
        }
        if let d = persist.deadline, d <= now {
            switch persist.expire(at: now) {
            case .timedOut:
                error = .timedOut
                return []
            case .sendProbe:
                if sndWnd > 0 {
                    overrideSWS = true  // RFC 9293 §3.8.6.2.1 (4): the override timeout
                } else {
                    var probe = makeAck(now)
                    probe.seq = sndUna &- 1  // Linux tcp_xmit_probe_skb: an old sequence number forces an ACK
                    out.append(probe)
                }
            }
        }
        if delayedAck.isDue(at: now) { ackPending = true }
        out += output(at: now)
        return out
    }

    private var freeSpace: Int { receiveBuffer.freeSpace - reassembly.queuedBytes }

    private mutating func output(at now: Instant) -> [HarnessSegment] {
        var out: [HarnessSegment] = []
        if written < outgoing.count {
            written += sendBuffer.append(outgoing[written...])
        }
        if cc.inFastRecovery {
            // RFC 6675 §5 (C): send while pipe < cwnd.
            recovery: while scoreboard.pipe < cc.cwnd {
                let newAllowed = sendableNew(now: now) > 0
                switch scoreboard.nextSegment(newDataAvailable: newAllowed) {
                case nil:
                    break recovery
                case .newData:
                    if !sendNew(now: now, out: &out) { break recovery }
                case .retransmit(let block):
                    out.append(dataSegment(seq: block.left, count: SequenceSpace.distance(block.left, block.right),
                                           now: now))
                    rtx.segmentSent(end: block.right, isRetransmission: true, at: now)
                }
            }
        } else {
            while sendNew(now: now, out: &out) {}
        }
        // FIN once everything is written and sent (RFC 9293 §3.10.4 CLOSE).
        if allWritten, !finSent, sndNxt == finSeq {
            var fin = makeAck(now)
            fin.seq = finSeq
            fin.fin = true
            finSent = true
            finEverSent = true
            rtx.segmentSent(end: finSeq &+ 1, isRetransmission: SequenceSpace.lt(finSeq, scoreboard.highData),
                            at: now)
            out.append(fin)
        }
        overrideSWS = false
        // Nothing in flight and data waiting that the window does not let out: the persist timer takes over, as a
        // zero-window probe (RFC 9293 §3.8.6.1) or as the SWS override timer (Linux arms `ICSK_TIME_PROBE0` for
        // both; it also recovers a lost window update).
        if inFlight == 0, !outstanding, SequenceSpace.lt(sndNxt, sendBuffer.endSeq) || (allWritten && !finSent) {
            persist.start(rto: rtx.estimator.rto, at: now)
        }
        if ackPending, out.isEmpty { out.append(makeAck(now)) }
        if !out.isEmpty {
            ackPending = false
            delayedAck.ackSent()
        }
        return out
    }

    /// Bytes of new (or gone-back-to) data the windows and the send policy allow now.
    private func sendableNew(now: Instant) -> Int {
        let queued = SequenceSpace.distance(sndNxt, sendBuffer.endSeq)
        let usable = Swift.min(sndWnd, cc.cwnd) - inFlight
        return policy.nextSegmentSize(queued: queued, usableWindow: usable, unacknowledged: inFlight > 0,
                                      pushed: true, overrideExpired: overrideSWS)
    }

    private mutating func sendNew(now: Instant, out: inout [HarnessSegment]) -> Bool {
        // After going back, skip ranges the receiver already holds.
        for b in scoreboard.sackedBlocks where SequenceSpace.le(b.left, sndNxt) && SequenceSpace.lt(sndNxt, b.right) {
            sndNxt = b.right
        }
        var n = sendableNew(now: now)
        guard n > 0 else { return false }
        if let hole = scoreboard.sackedBlocks.first(where: { SequenceSpace.lt(sndNxt, $0.left) }) {
            n = Swift.min(n, SequenceSpace.distance(sndNxt, hole.left))
        }
        let seq = sndNxt
        let isRetransmission = SequenceSpace.lt(seq, scoreboard.highData)
        out.append(dataSegment(seq: seq, count: n, now: now))
        sndNxt = seq &+ UInt32(n)
        scoreboard.dataSent(upTo: sndNxt)
        if isRetransmission { scoreboard.retransmitted(upTo: sndNxt) }
        rtx.segmentSent(end: sndNxt, isRetransmission: isRetransmission, at: now)
        return true
    }

    private mutating func retransmitHead(now: Instant, out: inout [HarnessSegment]) {
        let n = Swift.min(settings.mss, SequenceSpace.distance(sndUna, SequenceSpace.min(sndNxt, finSeq)))
        guard n > 0 else { return }
        out.append(dataSegment(seq: sndUna, count: n, now: now))
        scoreboard.retransmitted(upTo: sndUna &+ UInt32(n))
        rtx.segmentSent(end: sndUna &+ UInt32(n), isRetransmission: true, at: now)
    }

    private mutating func dataSegment(seq: UInt32, count: Int, now: Instant) -> HarnessSegment {
        var seg = makeAck(now)
        seg.seq = seq
        sendBuffer.copy(from: seq, maxCount: count, into: &seg.payload)
        return seg
    }

    private mutating func makeAck(_ now: Instant) -> HarnessSegment {
        let adv = window.advertise(rcvNxt: rcvNxt, freeSpace: freeSpace)
        lastAckSent = rcvNxt
        return HarnessSegment(
            seq: highestSent, ack: rcvNxt, window: adv.field, payload: [], fin: false,
            sack: reassembly.takeSACKBlocks(maxBlocks: 3), tsVal: timestamps.value(at: now),
            tsEcr: timestamps.echoReply)
    }
}

extension TransferPeer: CustomStringConvertible {
    var description: String {
        "una \(sndUna) nxt \(sndNxt) fin \(finSeq) finSent \(finSent) wnd \(sndWnd) cwnd \(cc.cwnd) rtx \(rtx.retransmissions) "
            + "rto \(rtx.estimator.rto) persist \(persist.unansweredProbes)/\(String(describing: persist.deadline)) "
            + "rcvNxt \(rcvNxt) rbuf \(receiveBuffer.count) q \(reassembly.queuedBytes) edge \(String(describing: window.rightEdge)) "
            + "written \(written)/\(outgoing.count) got \(received.count) finRcvd \(finReceived) set \(settings)"
    }
}
