import TCPWire

/// RACK loss detection (RFC 8985 §6) and Proportional Rate Reduction (RFC 6937) as Linux runs them for SACK
/// connections (net/ipv4/tcp_recovery.c; tcp_input.c `tcp_sacktag_one`, `tcp_clean_rtx_queue`,
/// `tcp_check_sack_reordering`, `tcp_cwnd_reduction`). Linux keeps this state on each skb; here it is kept as
/// sequence ranges: when each stretch of new data left, which ranges went out again and when, which are marked
/// lost. Counts are in segments of `mss` (Linux `packets_out`, `lost_out`, `retrans_out`).
struct RACKState: Sendable {
    /// A sequence range [start, end).
    struct Span: Sendable, Equatable {
        var start: SeqNum
        var end: SeqNum
    }
    /// New data sent at one instant: bytes from `start` up to the next burst's start.
    struct Burst: Sendable, Equatable {
        var start: SeqNum
        var time: Instant
    }
    /// A range sent again at `time`.
    struct Resent: Sendable, Equatable {
        var span: Span
        var time: Instant
    }

    /// New data by send instant, ascending (Linux `skb_mstamp_ns` of never-retransmitted skbs).
    private(set) var bursts: [Burst] = []
    /// Retransmitted ranges not yet delivered, oldest retransmission first (Linux TCPCB_SACKED_RETRANS).
    private(set) var resent: [Resent] = []
    /// Ranges marked lost and not yet delivered, sorted, disjoint (Linux TCPCB_LOST).
    private(set) var lost: [Span] = []

    /// RACK.xmit_ts and RACK.end_seq: the most recently sent segment delivered (RFC 8985 §6.1).
    private(set) var xmitTime: Instant?
    private(set) var endSeq = SeqNum(0)
    private var xmitResent = false
    /// RACK.rtt: the RTT of the last delivered segment processed (Linux `rack.rtt_us`), and that segment's
    /// send time and end, which order same-instant sends (see `detectLoss`).
    private(set) var rttNanoseconds: Int64 = 0
    private var rttSegmentTime = Instant.zero
    private var rttSegmentEnd = SeqNum(0)
    private var rttSegmentResent = false
    /// RACK.xmit_ts moved since the last loss detection (Linux `rack.advanced`).
    private(set) var advanced = false
    /// The minimum RTT seen (Linux `tcp_min_rtt`, without its 5-minute window).
    private(set) var minRTTNanoseconds: Int64?
    /// DupThresh in segments (Linux `tp->reordering`, `net.ipv4.tcp_reordering` = 3) and whether reordering was
    /// seen (Linux `reord_seen`).
    private(set) var reordering: Int
    private(set) var reorderingSeen = false
    /// PRR (RFC 6937 §3): cwnd and the counts since recovery began (Linux `prior_cwnd`, `prr_delivered`, `prr_out`).
    var priorCwnd = 0
    var prrDelivered = 0
    var prrOut = 0
    /// The retransmission timer is armed as RACK's reordering timer (Linux ICSK_TIME_REO_TIMEOUT).
    var reorderTimerArmed = false

    let mss: Int

    init(mss: Int, reordering: Int = 3) {
        self.mss = max(1, mss)
        self.reordering = reordering
    }

    // MARK: sending

    /// New data from `start` left at `now`.
    mutating func sent(from start: SeqNum, at now: Instant) {
        if let last = bursts.last, last.time == now || start <= last.start { return }
        bursts.append(Burst(start: start, time: now))
    }

    /// [start, end) was sent again at `now`.
    mutating func resent(_ start: SeqNum, _ end: SeqNum, at now: Instant) {
        guard start < end else { return }
        resent = resent.flatMap { subtract(Span(start: start, end: end), from: $0) }
        resent.append(Resent(span: Span(start: start, end: end), time: now))
    }

    /// When the byte at `seq` last left.
    func sendTime(of seq: SeqNum) -> Instant {
        if let r = resent.last(where: { $0.span.start <= seq && seq < $0.span.end }) { return r.time }
        return bursts.last(where: { $0.start <= seq })?.time ?? bursts.first?.time ?? .zero
    }

    func wasResent(_ seq: SeqNum) -> Bool { resent.contains { $0.span.start <= seq && seq < $0.span.end } }

    // MARK: counts

    /// Segments in a range (a partial segment counts as one).
    func segments(_ bytes: Int) -> Int { bytes <= 0 ? 0 : (bytes + mss - 1) / mss }

    /// Linux `lost_out`.
    var lostSegments: Int { lost.reduce(0) { $0 + segments($1.end - $1.start) } }
    /// Linux `retrans_out`.
    var resentSegments: Int { resent.reduce(0) { $0 + segments($1.span.end - $1.span.start) } }

    /// Linux `tcp_packets_in_flight`: packets_out − (sacked_out + lost_out) + retrans_out.
    func inFlight(flight: Int, sackedSegments: Int) -> Int {
        max(0, segments(flight) - sackedSegments - lostSegments + resentSegments)
    }

    /// The first lost range not sent again yet, from SND.UNA (Linux `tcp_xmit_retransmit_queue`).
    func nextLostToResend() -> Span? {
        for l in lost {
            var start = l.start
            while start < l.end {
                guard let r = resent.first(where: { $0.span.start <= start && start < $0.span.end }) else {
                    let next = resent.map(\.span.start).filter { start < $0 && $0 < l.end }.min { $0 < $1 } ?? l.end
                    return Span(start: start, end: next)
                }
                start = r.span.end
            }
        }
        return nil
    }

    // MARK: ACK processing

    /// What one ACK delivered (Linux `tcp_sacktag_write_queue` then `tcp_clean_rtx_queue`).
    struct Delivery: Sendable, Equatable {
        /// Segments newly acknowledged or SACKed (Linux `tp->delivered` delta).
        var segments = 0
    }

    /// Processes an ACK: `priorSacked` and `sacked` are the SACKed ranges before and after it, SND.UNA went from
    /// `previousUna` to `una`. Advances RACK (RFC 8985 §6.2 step 2; Linux `tcp_rack_advance`), detects reordering
    /// (Linux `tcp_check_sack_reordering`) and forgets what was delivered.
    mutating func ackArrives(
        previousUna: SeqNum, una: SeqNum, priorSacked: [SACKBlock], sacked: [SACKBlock], now: Instant
    ) -> Delivery {
        var delivery = Delivery()
        let prior = priorSacked.map { Span(start: SeqNum($0.left), end: SeqNum($0.right)) }
        let after = sacked.map { Span(start: SeqNum($0.left), end: SeqNum($0.right)) }
        let priorFack = prior.last.map(\.end) ?? previousUna
        var reord: SeqNum?
        // Newly SACKed ranges, lowest first (tcp_sacktag_one).
        var newly: [Span] = []
        for s in after { newly += prior.reduce([s]) { pieces, p in pieces.flatMap { subtract(p, from: $0) } } }
        // Newly cumulatively acknowledged ranges that were not SACKed before (tcp_clean_rtx_queue).
        var acked: [Span] = []
        if previousUna < una {
            acked = prior.reduce([Span(start: previousUna, end: una)]) { pieces, p in
                pieces.flatMap { subtract(p, from: $0) }
            }
        }
        for range in newly + acked {
            for piece in timedPieces(range) {
                delivery.segments += segments(piece.span.end - piece.span.start)
                let retransmitted = wasResent(piece.span.start)
                if !retransmitted && piece.span.start < priorFack {
                    reord = reord.map { SeqNum.earlier($0, piece.span.start) } ?? piece.span.start
                }
                advance(end: piece.span.end, sentAt: piece.time, retransmitted: retransmitted, now: now)
            }
        }
        forget(below: una, delivered: sacked)
        if let low = reord {
            // tcp_check_sack_reordering: FACK is the highest SACKed byte (SND.UNA if none).
            let fack = after.last.map(\.end) ?? una
            if low < fack {
                let metric = fack - low
                if metric > reordering * mss { reordering = min((metric + mss - 1) / mss, 300) }
                reorderingSeen = true
            }
        }
        return delivery
    }

    /// Linux `tcp_rack_advance`: a retransmission delivered faster than the minimum RTT may be the original's
    /// ACK, so it says nothing (RFC 8985 §6.2 step 2).
    private mutating func advance(end: SeqNum, sentAt time: Instant, retransmitted: Bool, now: Instant) {
        let rtt = now.nanoseconds - time.nanoseconds
        if retransmitted, let minRTT = minRTTNanoseconds, rtt < minRTT { return }
        if !retransmitted { noteRTT(rtt) }
        advanced = true
        rttNanoseconds = rtt
        rttSegmentTime = time
        rttSegmentEnd = end
        rttSegmentResent = retransmitted
        if xmitTime.map({ Self.sentAfter((time, retransmitted, end), ($0, xmitResent, endSeq)) }) ?? true {
            xmitTime = time
            endSeq = end
            xmitResent = retransmitted
        }
    }

    /// An RTT sample (Linux `tcp_update_rtt_min`, where a sample under a microsecond counts as one jiffy).
    mutating func noteRTT(_ nanoseconds: Int64) {
        guard nanoseconds >= 0 else { return }
        minRTTNanoseconds = min(minRTTNanoseconds ?? .max, nanoseconds < 1000 ? 1_000_000 : nanoseconds)
    }

    /// RFC 8985 §6.2 RACK_sent_after: later in time, or at the same time with a higher end. At one instant of
    /// this clock a retransmission comes after every first transmission (Linux moves a resent skb to the tail of
    /// its time-sorted list, `tcp_update_skb_after_send`).
    static func sentAfter(
        _ a: (time: Instant, resent: Bool, end: SeqNum), _ b: (time: Instant, resent: Bool, end: SeqNum)
    ) -> Bool {
        if a.time != b.time { return a.time > b.time }
        if a.resent != b.resent { return a.resent }
        return a.end > b.end
    }

    /// SND.UNA moved to `una`: earlier send times are no longer needed.
    mutating func forget(below una: SeqNum) {
        if !lost.isEmpty || !resent.isEmpty { return forget(below: una, delivered: []) }
        dropBursts(below: una)
    }

    /// Keeps the burst holding `una` and those after it (scanning from the oldest, which an ACK passes first).
    private mutating func dropBursts(below una: SeqNum) {
        guard bursts.count > 1, bursts[1].start <= una else { return }
        let next = bursts.firstIndex { $0.start > una } ?? bursts.count
        bursts.removeFirst(next - 1)
    }

    /// Drops what lies below SND.UNA or was SACKed.
    private mutating func forget(below una: SeqNum, delivered: [SACKBlock]) {
        let gone = delivered.map { Span(start: SeqNum($0.left), end: SeqNum($0.right)) }
        func keep(_ s: Span) -> [Span] {
            var pieces = s.end <= una ? [] : [Span(start: s.start < una ? una : s.start, end: s.end)]
            for g in gone { pieces = pieces.flatMap { subtract(g, from: $0) } }
            return pieces
        }
        lost = lost.flatMap(keep)
        resent = resent.flatMap { r in keep(r.span).map { Resent(span: $0, time: r.time) } }
        dropBursts(below: una)
    }

    /// A retransmission timeout (Linux `tcp_enter_loss`): everything not SACKed in [una, sndNxt) is lost, nothing
    /// is resent yet.
    mutating func timedOut(una: SeqNum, sndNxt: SeqNum, sacked: [SACKBlock]) {
        resent = []
        lost = []
        reorderTimerArmed = false
        guard una < sndNxt else { return }
        var pieces = [Span(start: una, end: sndNxt)]
        for b in sacked { pieces = pieces.flatMap { subtract(Span(start: SeqNum(b.left), end: SeqNum(b.right)), from: $0) } }
        lost = pieces
    }

    /// `range` split where its send time changes.
    private func timedPieces(_ range: Span) -> [Resent] {
        var cuts = [range.start, range.end]
        for b in bursts where range.start < b.start && b.start < range.end { cuts.append(b.start) }
        for r in resent {
            for c in [r.span.start, r.span.end] where range.start < c && c < range.end { cuts.append(c) }
        }
        cuts.sort { $0 < $1 }
        var out: [Resent] = []
        for (a, b) in zip(cuts, cuts.dropFirst()) where a < b {
            out.append(Resent(span: Span(start: a, end: b), time: sendTime(of: a)))
        }
        return out
    }

    // MARK: loss detection

    /// Linux `tcp_rack_reo_wnd`: none in recovery, or once SACKed segments reach DupThresh, while no reordering
    /// was seen; else min_rtt / 4, at most SRTT (RFC 8985 §6.2 step 4).
    func reorderWindow(inRecovery: Bool, sackedSegments: Int, smoothedRTT: Duration?) -> Int64 {
        if !reorderingSeen && (inRecovery || sackedSegments >= reordering) { return 0 }
        // Linux keeps SRTT at one microsecond at least (tcp_rtt_estimator).
        let quarter = (minRTTNanoseconds ?? 0) / 4
        return min(quarter, max(smoothedRTT?.nanosecondsValue ?? quarter, 1000))
    }

    /// RFC 8985 §6.2 step 5 (Linux `tcp_rack_detect_loss`): a segment sent before RACK.xmit_ts and not delivered
    /// within RACK.rtt + reo_wnd of its sending is lost. Segments sent at the same instant are ordered by sequence:
    /// one sent after the segment RACK.rtt was measured on waits the reordering timer. Returns the segments
    /// newly marked lost and the time left until the next would be (nil: none waits).
    mutating func detectLoss(
        una: SeqNum, sndNxt: SeqNum, sacked: [SACKBlock], reorderWindow: Int64, now: Instant
    ) -> (newlyLost: Int, remaining: Int64?) {
        advanced = false
        guard let xmitTime, una < sndNxt else { return (0, nil) }
        // Not yet delivered, and not marked lost without being sent again (those wait to be resent).
        var candidates = [Span(start: una, end: sndNxt)]
        var skip = sacked.map { Span(start: SeqNum($0.left), end: SeqNum($0.right)) }
        skip += lost.flatMap { l in resent.reduce([l]) { pieces, r in pieces.flatMap { subtract(r.span, from: $0) } } }
        for s in skip { candidates = candidates.flatMap { subtract(s, from: $0) } }
        var newlyLost = 0
        var wait: Int64?
        for range in candidates {
            for piece in timedPieces(range) {
                let span = piece.span
                let resentPiece = wasResent(span.start)
                let key = (time: piece.time, resent: resentPiece, end: span.end)
                guard Self.sentAfter((xmitTime, xmitResent, endSeq), key) else { continue }
                var remaining = rttNanoseconds + reorderWindow - (now.nanoseconds - piece.time.nanoseconds)
                // Sent after the segment RACK.rtt was measured on, at the same instant: not yet overdue.
                if remaining == 0 && Self.sentAfter(key, (rttSegmentTime, rttSegmentResent, rttSegmentEnd)) {
                    remaining = 1
                }
                if remaining <= 0 {
                    markLost(span)
                    newlyLost += segments(span.end - span.start)
                } else {
                    wait = max(wait ?? 0, remaining)
                }
            }
        }
        return (newlyLost, wait)
    }

    /// Linux `tcp_mark_skb_lost`: a lost retransmission may be sent again.
    private mutating func markLost(_ span: Span) {
        resent = resent.flatMap { r in subtract(span, from: r.span).map { Resent(span: $0, time: r.time) } }
        var merged = lost + [span]
        merged.sort { $0.start < $1.start }
        lost = []
        for s in merged {
            if let last = lost.last, s.start <= last.end {
                if last.end < s.end { lost[lost.count - 1].end = s.end }
            } else {
                lost.append(s)
            }
        }
    }

    // MARK: PRR

    /// Linux `tcp_init_cwnd_reduction`: recovery begins with `cwnd` segments.
    mutating func startReduction(cwnd: Int) {
        priorCwnd = max(1, cwnd)
        prrDelivered = 0
        prrOut = 0
    }

    /// RFC 6937 §3 as Linux `tcp_cwnd_reduction` computes it: the new cwnd in segments, or nil when nothing was
    /// delivered. Above ssthresh PRR sends in proportion to what was delivered; below it, packet conservation,
    /// plus one segment when SND.UNA advanced and nothing was newly lost (the slow-start reduction bound).
    mutating func reducedWindow(
        delivered: Int, newlyLost: Int, unaAdvanced: Bool, inFlight: Int, ssthresh: Int
    ) -> Int? {
        guard delivered > 0 else { return nil }
        prrDelivered += delivered
        let delta = ssthresh - inFlight
        var count: Int
        if delta < 0 {
            count = (ssthresh * prrDelivered + priorCwnd - 1) / priorCwnd - prrOut
        } else {
            count = max(prrDelivered - prrOut, delivered)
            if unaAdvanced && newlyLost == 0 { count += 1 }
            count = min(delta, count)
        }
        // A fast retransmit goes out on entering recovery.
        count = max(count, prrOut == 0 ? 1 : 0)
        return inFlight + count
    }
}

/// `s` without `cut`: zero, one or two pieces.
private func subtract(_ cut: RACKState.Span, from s: RACKState.Span) -> [RACKState.Span] {
    guard cut.start < s.end, s.start < cut.end else { return [s] }
    var out: [RACKState.Span] = []
    if s.start < cut.start { out.append(RACKState.Span(start: s.start, end: cut.start)) }
    if cut.end < s.end { out.append(RACKState.Span(start: cut.end, end: s.end)) }
    return out
}

private func subtract(_ cut: RACKState.Span, from r: RACKState.Resent) -> [RACKState.Resent] {
    subtract(cut, from: r.span).map { RACKState.Resent(span: $0, time: r.time) }
}
