/// Linux's send admission (`TCPConfiguration.linuxSkbSendQueue`): how much of a write `tcp_sendmsg_locked`
/// (net/ipv4/tcp.c) takes. Data fills the unsent tail skb up to `tcp_xmit_size_goal`; before each new skb
/// `sk_stream_memory_free` must hold: the queue's memory (`sk_wmem_queued`: payload plus each skb's truesize
/// overhead) under `sk_sndbuf`, and the unsent bytes (`write_seq - snd_nxt`) under TCP_NOTSENT_LOWAT
/// (`tcp_stream_memory_free`). A full skb is pushed at once when it heads the unsent data (`tcp_push_one`) or when
/// half the largest window was written since the last PSH (`forced_push`); its partial send leaves the rest as a new
/// tail skb (`tso_fragment`) that the write goes on filling. The engine keeps no skbs: it lays them out every size
/// goal from where the last one it started began.
enum LinuxSkb {
    /// `MAX_TCP_HEADER` (x86-64, 64-byte cache lines).
    static let maxTCPHeader = 320
    /// `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` and `SKB_DATA_ALIGN(sizeof(struct sk_buff))`, x86-64.
    static let sharedInfo = 320
    static let skBuff = 256
    /// `tcp_stream_alloc_skb`: a MAX_TCP_HEADER head from the small-head cache, `SKB_TRUESIZE(skb_end_offset)`; the
    /// payload (page fragments) is charged on top, byte for byte (`skb_copy_to_page_nocache`).
    static let truesize = maxTCPHeader + skBuff + sharedInfo
    /// `TCP_INIT_CWND`.
    static let initialWindow = 10
}

extension Connection {
    /// Linux `tcp_xmit_size_goal`: the GSO size bounded to half the largest window the peer offered
    /// (`tcp_bound_to_half_wnd`), in whole MSS, at least one MSS.
    func skbSizeGoal(config: TCPConfiguration) -> Int {
        let mss = max(currentMSS, 1)
        var goal = config.segmentOffloadBytes > 0 ? config.segmentOffloadBytes : 65536  // GSO_LEGACY_MAX_SIZE
        let window = maxSndWnd
        let cutoff = window > 536 ? window >> 1 : window  // TCP_MSS_DEFAULT
        if cutoff > 0 && goal > cutoff { goal = max(cutoff, 68 - (timestampsEnabled ? 32 : 20)) }
        return max(goal / mss * mss, mss)
    }

    /// `sk_wmem_queued` for `queued` payload bytes laid out in skbs of `goal`.
    func skbQueueMemory(_ queued: Int, goal: Int) -> Int {
        queued + LinuxSkb.truesize * ((queued + goal - 1) / goal)
    }

    /// The unsent tail skb: where it starts and how many bytes it still takes before it reaches `goal`; nil when
    /// there is none, it is full, or a record (MSG_EOR) closed it (`tcp_skb_can_collapse_to`). A tail cut by a
    /// partial send starts at SND.NXT (`tso_fragment` leaves the rest as a new skb).
    func tailSkb(goal: Int) -> (start: SeqNum, room: Int)? {
        let unsent = dataEnd - sndNxt
        guard unsent > 0, rareState?.sendMarks.records.last?.end != dataEnd else { return nil }
        var anchor = sndNxt
        if let start = rareState?.sendMarks.skbStart, sendBufferStart <= start, start <= dataEnd { anchor = start }
        let filled = (dataEnd - anchor) % goal
        var start = dataEnd + (-(filled == 0 ? goal : filled))
        if start - sndNxt < 0 { start = sndNxt }
        let room = goal - (dataEnd - start)
        return room > 0 ? (start, room) : nil
    }
}

extension HostStack {
    /// Linux `sk_sndbuf`: SO_SNDBUF as set (`SOCK_SNDBUF_LOCK`), else `tcp_wmem[1]` grown by `tcp_sndbuf_expand` to
    /// twice the cwnd (at least `TCP_INIT_CWND`, `reordering + 1`) of worst-case skbs, at most `tcp_wmem[2]`.
    func skbSendBuffer(slot i: Int) -> Int {
        if let own = slots[i].sendBufferSize { return own }
        let c = slots[i]
        let mssClamp = c.sendMSS + (c.timestampsEnabled ? 12 : 0)
        var perMSS = 1
        while perMSS < mssClamp + LinuxSkb.maxTCPHeader + LinuxSkb.sharedInfo { perMSS <<= 1 }
        perMSS += LinuxSkb.skBuff
        let segments = max(LinuxSkb.initialWindow, c.cc.cwnd / max(c.sendMSS, 1), 4)
        return max(configuration.sendBufferSize, min(2 * segments * perMSS, configuration.sendBufferMax))
    }

    /// Queues what Linux would take of `bytes` (see the file comment), pushing full skbs on the way; throws EAGAIN
    /// when it takes nothing.
    mutating func queueInSkbs(slot i: Int, _ bytes: [UInt8], now: Instant) throws(SocketError) -> Int {
        guard !bytes.isEmpty else { return 0 }
        let goal = slots[i].skbSizeGoal(config: configuration)
        let sndbuf = skbSendBuffer(slot: i)
        let lowWater = notSentLowWater(slot: i)
        // The usual write: every skb it could start passes both tests, so it is taken whole.
        if lowWater >= Int(UInt32.max),
            slots[i].skbQueueMemory(slots[i].sendBuffer.count + bytes.count - 1, goal: goal) < sndbuf
        {
            slots[i].sendBuffer.append(bytes[...])
            return bytes.count
        }
        let start = slots[i].dataEnd
        var pushedSeq = slots[i].sendMarks.tailUnpushed ? slots[i].sendMarks.pushedSeq : start  // Linux pushed_seq
        var taken = 0
        while taken < bytes.count {
            var room = 0
            if let tail = slots[i].tailSkb(goal: goal) {
                room = tail.room
                slots[i].sendMarks.skbStart = tail.start
            } else {
                // sk_stream_memory_free, then a new skb (tcp_skb_entail).
                guard slots[i].skbQueueMemory(slots[i].sendBuffer.count, goal: goal) < sndbuf,
                    slots[i].unsentBytes < lowWater
                else { break }
                slots[i].sendMarks.skbStart = slots[i].dataEnd
                room = goal
            }
            let n = min(room, bytes.count - taken)
            slots[i].sendBuffer.append(bytes[taken..<(taken + n)])
            taken += n
            guard taken < bytes.count, n == room else { continue }
            // A full skb with more to come: forced_push marks PSH and pushes all; else tcp_push_one if it heads
            // the unsent data. Either send goes without the call's final PSH (`tcp_skb_entail` leaves it clear).
            let end = slots[i].dataEnd
            let forced = end - pushedSeq > slots[i].maxSndWnd / 2
            let skbStart = end + (-goal)
            guard forced || slots[i].sndNxt - skbStart >= 0 else { continue }
            var marks = slots[i].sendMarks
            marks.tailUnpushed = !forced
            marks.pushedSeq = pushedSeq
            slots[i].sendMarks = marks
            slots[i].chronoStart(.busy, now: now)
            slots[i].transmit(now: now, config: configuration, out: &out)
            if forced { pushedSeq = end }
            slots[i].sendMarks.tailUnpushed = true
            slots[i].sendMarks.pushedSeq = pushedSeq
        }
        guard taken > 0 else {
            slots[i].waitingForSendSpace = true  // sk_stream_wait_memory: SOCK_NOSPACE
            throw .wouldBlock
        }
        return taken
    }
}
