import TCPWire

/// The receiver's out-of-order queue (RFC 9293 §3.10.7.4 "seventh"). It trims every arriving segment against what
/// is already held or delivered, so no byte is ever stored twice; delivers bytes in order; and builds the SACK
/// option: a D-SACK block first after a duplicate (RFC 2883 §4), then the block holding the latest segment, then
/// the most recently reported ones (RFC 2018 §4).
public struct ReassemblyQueue: Sendable, Hashable {
    /// Queued data above RCV.NXT: sorted by sequence, disjoint (adjacent pieces may touch).
    private var pieces: [Piece] = []
    /// Left edges of SACK blocks, most recently changed first (RFC 2018 §4).
    private var recent: [UInt32] = []
    /// The next byte expected (RCV.NXT).
    public private(set) var rcvNxt: UInt32
    /// A duplicate to report in the next ACK (RFC 2883), with the queued block containing it if any.
    public private(set) var pendingDSACK: SACKBlock?
    /// Whether duplicates are reported as D-SACK blocks (`net.ipv4.tcp_dsack`).
    public var reportsDSACK = true

    private struct Piece: Sendable, Hashable {
        var seq: UInt32
        /// A view into the packet that brought it: out-of-order data is held, not copied.
        var bytes: Payload
        var end: UInt32 { seq &+ UInt32(bytes.count) }
    }

    /// An empty queue expecting `rcvNxt` next.
    public init(rcvNxt: UInt32) { self.rcvNxt = rcvNxt }

    /// What one arriving segment did to the queue and the stream.
    public struct Outcome: Sendable, Hashable {
        /// Bytes handed to `deliver`, now part of the in-order stream.
        public var delivered = 0
        /// Bytes of this segment the receiver already had (reported as a D-SACK).
        public var duplicateBytes = 0
        /// Data remains queued above a gap after this segment: an immediate ACK is due (RFC 5681 §4.2).
        public var outOfOrder = false
        /// The segment advanced RCV.NXT while data was queued out of order (filled all or part of a gap): ACK now
        /// (RFC 5681 §4.2).
        public var filledHole = false
    }

    /// Bytes queued above RCV.NXT.
    public var queuedBytes: Int { pieces.reduce(0) { $0 + $1.bytes.count } }
    /// Queued ranges in sequence order, adjacent pieces merged.
    public var queuedBlocks: [SACKBlock] {
        var out: [SACKBlock] = []
        for p in pieces {
            if let last = out.last, last.right == p.seq {
                out[out.count - 1].right = p.end
            } else {
                out.append(SACKBlock(left: p.seq, right: p.end))
            }
        }
        return out
    }

    /// A segment's payload at `seq`, already trimmed to the receive window by the caller.
    public mutating func receive(seq: UInt32, payload: Payload, deliver: (Payload) -> Void) -> Outcome {
        var outcome = Outcome()
        guard !payload.isEmpty else { return outcome }
        if pieces.isEmpty && seq == rcvNxt {
            // In order with nothing queued (the bulk case): hand it straight over, no copy kept here.
            deliver(payload)
            outcome.delivered = payload.count
            rcvNxt = seq &+ UInt32(payload.count)
            return outcome
        }
        let hadQueue = !pieces.isEmpty
        let end = seq &+ UInt32(payload.count)
        var firstDuplicate: SACKBlock?
        func duplicate(_ l: UInt32, _ r: UInt32) {
            outcome.duplicateBytes += SeqNum(r) - SeqNum(l)
            // RFC 2883 §4: the D-SACK block reports the contiguous duplicate space of this segment, so a range that
            // touches the first one extends it (Linux tcp_dsack_extend -> tcp_sack_extend).
            if let first = firstDuplicate, SeqNum(l) <= SeqNum(first.right), SeqNum(first.left) <= SeqNum(r) {
                firstDuplicate = SACKBlock(left: SeqNum.earlier(SeqNum(first.left), SeqNum(l)).rawValue,
                                           right: (SeqNum(first.right) < SeqNum(r) ? r : first.right))
            } else if firstDuplicate == nil {
                firstDuplicate = SACKBlock(left: l, right: r)
            }
        }
        var start = seq
        if SeqNum(start) < SeqNum(rcvNxt) {
            // Bytes already delivered and acknowledged.
            duplicate(start, SeqNum.earlier(SeqNum(end), SeqNum(rcvNxt)).rawValue)
            start = rcvNxt
        }
        var newLeft: UInt32?
        // Walk the queue, storing only the parts of [start, end) no piece holds.
        var i = pieces.firstIndex { SeqNum(start) < SeqNum($0.end) } ?? pieces.endIndex
        while SeqNum(start) < SeqNum(end) {
            let nextSeq = i < pieces.count ? pieces[i].seq : end
            if SeqNum(start) < SeqNum(nextSeq) {
                let stop = SeqNum.earlier(SeqNum(nextSeq), SeqNum(end)).rawValue
                let from = SeqNum(start) - SeqNum(seq)
                let to = SeqNum(stop) - SeqNum(seq)
                pieces.insert(Piece(seq: start, bytes: payload.extracting(from..<to)), at: i)
                if newLeft == nil { newLeft = start }
                i += 1
                start = stop
            } else {
                let stop = SeqNum.earlier(SeqNum(pieces[i].end), SeqNum(end)).rawValue
                duplicate(start, stop)
                start = stop
                i += 1
            }
        }
        // Deliver what is now in order.
        while let first = pieces.first, first.seq == rcvNxt {
            deliver(first.bytes)
            outcome.delivered += first.bytes.count
            rcvNxt = first.end
            pieces.removeFirst()
        }
        outcome.filledHole = outcome.delivered > 0 && hadQueue
        outcome.outOfOrder = !pieces.isEmpty
        if let dup = firstDuplicate, reportsDSACK { pendingDSACK = dup }
        updateRecent(changedAt: newLeft ?? firstDuplicate?.left)
        return outcome
    }

    /// The peer's FIN arrived in order: nothing above it will ever be delivered and no SACK state is reported
    /// any more (Linux tcp_fin: `skb_rbtree_purge` of the out-of-order queue, `tcp_sack_reset`).
    public mutating func finReceived() {
        // Most FINs find nothing to drop (no queued data, no D-SACK): leave the storage alone then.
        guard pendingDSACK != nil || !pieces.isEmpty else { return }
        pieces.removeAll()
        recent.removeAll()
        pendingDSACK = nil
    }

    /// Sequence space the receiver got again outside the data queue, such as a retransmitted SYN or FIN: the next
    /// ACK reports it as a D-SACK (RFC 2883 §4; Linux `tcp_dsack_set`). The self-connect handshake on Linux 6.x
    /// acknowledges its own duplicate SYN this way: `sack 1 {0:1}`.
    public mutating func noteDuplicate(_ block: SACKBlock) {
        if reportsDSACK { pendingDSACK = block }
    }

    /// The connection's RCV.NXT is `seq`: with nothing queued the queue simply takes it (how a connection sets
    /// IRS + 1 once synchronized); otherwise it only moves forward, past sequence space consumed outside the
    /// queue (a SYN or FIN, RFC 9293 §3.10.7.4 eighth), dropping anything queued below it.
    public mutating func advance(to seq: UInt32) {
        if pieces.isEmpty {
            rcvNxt = seq
            return
        }
        guard SeqNum(rcvNxt) < SeqNum(seq) else { return }
        rcvNxt = seq
        pieces = pieces.compactMap { p in
            if SeqNum(p.end) <= SeqNum(seq) { return nil }
            guard SeqNum(p.seq) < SeqNum(seq) else { return p }
            return Piece(seq: seq, bytes: p.bytes.extracting((SeqNum(seq) - SeqNum(p.seq))..<p.bytes.count))
        }
        updateRecent(changedAt: nil)
    }

    /// Hands over the queued bytes that now start at RCV.NXT (after `advance(to:)` moved it), in order; returns
    /// how many. Used when text held since a SYN becomes deliverable once the connection is synchronized.
    public mutating func deliverInOrder(_ deliver: (Payload) -> Void) -> Int {
        var delivered = 0
        while let first = pieces.first, first.seq == rcvNxt {
            deliver(first.bytes)
            delivered += first.bytes.count
            rcvNxt = first.end
            pieces.removeFirst()
        }
        if delivered > 0 { updateRecent(changedAt: nil) }
        return delivered
    }

    /// The SACK blocks for the next ACK, at most `maxBlocks` (4 without timestamps, 3 with; RFC 2018 §3), and
    /// consumes the D-SACK, which is reported once (RFC 2883 §4).
    public mutating func takeSACKBlocks(maxBlocks: Int) -> [SACKBlock] {
        let out = sackBlocks(maxBlocks: maxBlocks)
        if !out.isEmpty { pendingDSACK = nil }
        return out
    }

    /// The SACK blocks the next ACK will carry, without consuming the D-SACK (the sender sizes a data segment's
    /// payload by them, Linux `tcp_current_mss`).
    public func sackBlocks(maxBlocks: Int) -> [SACKBlock] {
        var out: [SACKBlock] = []
        guard maxBlocks > 0, pendingDSACK != nil || !pieces.isEmpty else { return out }
        let blocks = queuedBlocks
        if let d = pendingDSACK {
            out.append(d)
            // RFC 2883 §4: a duplicate above RCV.NXT is followed by the block that contains it.
            if let holder = blocks.first(where: {
                SeqNum($0.left) <= SeqNum(d.left) && SeqNum(d.right) <= SeqNum($0.right)
            }), out.count < maxBlocks {
                out.append(holder)
            }
        }
        for left in recent where out.count < maxBlocks {
            if let b = blocks.first(where: { $0.left == left }), !out.contains(b) { out.append(b) }
        }
        return out
    }

    /// Keeps `recent` to the current blocks' left edges, the one holding `changedAt` first.
    private mutating func updateRecent(changedAt: UInt32?) {
        let blocks = queuedBlocks
        func holder(_ s: UInt32) -> UInt32? {
            blocks.first { SeqNum($0.left) <= SeqNum(s) && SeqNum(s) < SeqNum($0.right) }?.left
        }
        var order: [UInt32] = []
        if let s = changedAt, let l = holder(s) { order.append(l) }
        for old in recent {
            if let l = holder(old), !order.contains(l) { order.append(l) }
        }
        for b in blocks where !order.contains(b.left) { order.append(b.left) }
        recent = order
    }
}
