/// send(2) flags the engine models (Linux `tcp_sendmsg_locked`).
public struct SendFlags: OptionSet, Sendable, Hashable {
    /// The flag bits.
    public let rawValue: UInt8
    /// Flags from their bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// MSG_MORE: more data follows. The call leaves its data unmarked (no PSH) and its push corks partial
    /// segments (Linux `tcp_push`: no `tcp_mark_push`, `TCP_NAGLE_CORK`). Later pushes use the socket's own rule.
    public static let more = SendFlags(rawValue: 1)
    /// MSG_EOR: the data ends a record. Later data never joins the record's last segment, new or resent (Linux
    /// `TCP_SKB_CB(skb)->eor`, `tcp_skb_can_collapse_to`).
    public static let endOfRecord = SendFlags(rawValue: 2)
}

/// What Linux keeps on its send queue beyond the bytes: where records end (MSG_EOR), whether the tail was
/// queued with MSG_MORE, TCP_CORK, the one-shot push of TCP_NODELAY, and TCP_NOTSENT_LOWAT. Kept in `RareState`:
/// a connection whose sends all push (the usual case) never allocates it.
struct SendMarks: Hashable, Sendable {
    /// A record end (MSG_EOR) not yet acknowledged; `pushed` unless the send also had MSG_MORE.
    struct Record: Hashable, Sendable {
        var end: SeqNum
        var pushed: Bool
    }
    /// Record ends above SND.UNA, ascending.
    var records: [Record] = []
    /// The queue's tail was queued with MSG_MORE, so it carries no PSH (Linux: `tcp_push` skipped `tcp_mark_push`).
    var tailUnpushed = false
    /// Linux `pushed_seq` while the tail is unpushed: the end of the data last marked PSH (else it is the tail).
    var pushedSeq = SeqNum(0)
    /// TCP_CORK (Linux `TCP_NAGLE_CORK` in `tp->nonagle`).
    var cork = false
    /// Linux `TCP_NAGLE_PUSH`: set by TCP_NODELAY (and uncorking with it on), it sends held data once, cork or
    /// not; cleared when later data starts a new segment (`tcp_skb_entail`).
    var pushOnce = false
    /// TCP_NOTSENT_LOWAT in bytes; -1: unset (the sysctl applies).
    var notSentLowWater: Int64 = -1
    /// Where the last skb Linux's send admission started begins (HostStack+SendAdmission.swift); nil: none yet.
    var skbStart: SeqNum?

    var isDefault: Bool { self == SendMarks() }
}

extension Connection {
    /// Records what a send call queued in bytes `start..<dataEnd` (Linux `tcp_sendmsg_locked` then `tcp_push`): data
    /// joining an unsent tail that no record closed takes its PSH mark away; the new tail is marked unless
    /// `.more` (or `forced_push`); `.endOfRecord` closes the record. Returns whether the push corks.
    mutating func queued(from start: SeqNum, flags: SendFlags) -> Bool {
        // The usual send: no flags, nothing marked before; every mark stays at its default.
        guard !flags.isEmpty || rareState != nil else { return false }
        var marks = sendMarks
        let joinsUnsentTail = sndNxt < start && !(marks.records.last.map { $0.end == start } ?? false)
        if !joinsUnsentTail { marks.pushOnce = false }  // a new segment starts (tcp_skb_entail)
        // Linux `pushed_seq`: where the last PSH mark is, this call's start when the tail before it was pushed.
        let pushedSeq = marks.tailUnpushed ? marks.pushedSeq : start
        // Linux `forced_push`: so much was written since that mark (half the largest window the peer offered)
        // that the push marks PSH even with MSG_MORE.
        let forced = dataEnd - pushedSeq > maxSndWnd / 2
        marks.tailUnpushed = flags.contains(.more) && !forced
        marks.pushedSeq = marks.tailUnpushed ? pushedSeq : SeqNum(0)
        if flags.contains(.endOfRecord) { marks.records.append(.init(end: dataEnd, pushed: !marks.tailUnpushed)) }
        sendMarks = marks
        return flags.contains(.more) || marks.cork
    }

    /// Forgets record ends at or below SND.UNA (their data is acknowledged).
    mutating func acknowledgedRecords() {
        guard let first = rareState?.sendMarks.records.first, first.end <= sndUna else { return }
        var marks = sendMarks
        marks.records.removeAll { $0.end <= sndUna }
        sendMarks = marks
    }

    /// The next record end after `seq` (a segment from `seq` ends there at the latest), or nil.
    func recordEnd(after seq: SeqNum) -> SeqNum? {
        rareState?.sendMarks.records.first { $0.end > seq }?.end
    }

    /// Whether a segment of `length` bytes from `seq` carries PSH. Without Linux's marks: when it reaches the end of
    /// the queued data (BSD `tcp_output`). With them: when it ends a pushed send or record (the PSH of
    /// `tcp_mark_push`, which `tcp_fragment` leaves on the last piece), or, as an offloaded segment, when the last
    /// packet Linux would cut it into holds more than one MSS (`__tcp_transmit_skb` forces PSH on GSO packets).
    func carriesPush(seq: SeqNum, length: Int, mss: Int, config: TCPConfiguration) -> Bool {
        let end = seq + length
        guard length > 0 else { return false }
        guard config.linuxSendMarks, let marks = rareState?.sendMarks else { return end == dataEnd || gsoPush(length, mss, config) }
        if end == dataEnd && !marks.tailUnpushed { return true }
        if marks.records.contains(where: { $0.end == end && $0.pushed }) { return true }
        return gsoPush(length, mss, config)
    }

    /// PSH for a resent piece of at most one MSS: when it ends pushed data.
    func carriesPush(seq: SeqNum, length: Int) -> Bool {
        let end = seq + length
        guard length > 0 else { return false }
        guard let marks = rareState?.sendMarks else { return end == dataEnd }
        return (end == dataEnd && !marks.tailUnpushed) || marks.records.contains { $0.end == end && $0.pushed }
    }

    /// Linux `__tcp_transmit_skb`: a packet of more than one MSS gets PSH. An offloaded segment here stands for the
    /// packets `tcp_write_xmit` sends back to back, each of `tcpTSOSegments` MSS; packetdrill sees their flags on the
    /// last one, whose size decides.
    private func gsoPush(_ length: Int, _ mss: Int, _ config: TCPConfiguration) -> Bool {
        guard config.pushOnOffloadedSegments, length > mss else { return false }
        let piece = tsoSegments(mss: mss, config: config) * mss
        return (length - 1) % piece + 1 > mss
    }

    /// Linux `tcp_tso_autosize`: MSS per GSO packet, about 1 ms of the pacing rate (`sk_pacing_shift` 10) plus
    /// `gso_max_size >> (min_rtt_us >> tcp_tso_rtt_log 9)`, at least `tcp_min_tso_segs`. The smoothed RTT stands in
    /// for the minimum RTT.
    func tsoSegments(mss: Int, config: TCPConfiguration) -> Int {
        let gsoMax = config.segmentOffloadBytes
        guard let rate = pacingRate(mss: mss, config: config), let srtt = rtt.smoothedRTT else {
            return max(gsoMax / mss, config.minTSOSegments)
        }
        var bytes = rate >> 10
        let shift = Int(srtt.nanosecondsValue / 1000) >> 9
        if shift < 32 { bytes += gsoMax >> shift }
        return max(min(bytes, gsoMax) / mss, config.minTSOSegments)
    }

    /// Linux `tcp_update_pacing_rate`, bytes per second: max(cwnd, packets out) x MSS / SRTT, at
    /// `tcp_pacing_ss_ratio` % in slow start below ssthresh / 2, else `tcp_pacing_ca_ratio` %. Nil before an RTT
    /// sample (Linux: `sk_pacing_rate` unlimited).
    func pacingRate(mss: Int, config: TCPConfiguration) -> Int? {
        guard let srtt = rtt.smoothedRTT else { return nil }
        let srttUs = max(1, Int(srtt.nanosecondsValue / 1000))
        let segments = max(cc.cwnd / max(mss, 1), (flightSize + mss - 1) / max(mss, 1), 1)
        let ratio = cc.cwnd < cc.window.ssthresh / 2 ? config.pacingSlowStartRatio : config.pacingAvoidanceRatio
        return mss * segments * ratio * 10_000 / srttUs
    }

    /// The Nagle test for the tail of the queue (Linux `tcp_nagle_test`, `tcp_nagle_check`): with `corked` (TCP_CORK
    /// or MSG_MORE on this push) a partial segment waits unless TCP_NODELAY's one-shot push is pending.
    func corksPartialSegment(corked: Bool) -> Bool {
        guard let marks = rareState?.sendMarks else { return corked }
        return (corked || marks.cork) && !marks.pushOnce
    }

    /// Bytes queued and not yet sent (Linux `write_seq - snd_nxt`).
    var unsentBytes: Int { dataEnd - sndNxt }
}
