import TCPWire

/// The sender's SACK scoreboard and loss recovery of RFC 6675: which bytes the receiver holds above SND.UNA,
/// which are deemed lost, what to send next, and how much is in the pipe. Also recognises D-SACK (RFC 2883 §4).
public struct SACKScoreboard: Sendable, Hashable {
    /// SACKed ranges as offsets from SND.UNA: sorted, disjoint, not adjacent.
    private var sacked: [Range<Int>] = []
    /// SND.UNA: the left edge of the scoreboard; SACKed ranges are kept relative to it.
    public private(set) var sndUna: UInt32
    /// One past the highest byte sent (RFC 6675 HighData + 1).
    public private(set) var highData: UInt32
    /// One past the highest byte retransmitted (RFC 6675 HighRxt + 1).
    public private(set) var highRxt: UInt32
    // 32 bits each (one scoreboard sits in every connection).
    private let mssValue: UInt32
    private let dupThreshValue: UInt32
    /// SMSS: the segment size the loss rules count in.
    public var mss: Int { Int(mssValue) }
    /// RFC 6675 DupThresh (3; Linux adapts `tp->reordering`).
    public var dupThresh: Int { Int(dupThreshValue) }

    /// An empty scoreboard at `sndUna`.
    public init(sndUna: UInt32, mss: Int, dupThresh: Int = 3) {
        self.sndUna = sndUna
        highData = sndUna
        highRxt = sndUna
        mssValue = UInt32(clamping: mss)
        dupThreshValue = UInt32(clamping: dupThresh)
    }

    /// What one ACK taught the scoreboard.
    public struct Update: Sendable, Hashable {
        /// Bytes newly SACKed (RFC 6675 §2: a duplicate ACK carrying new SACK information counts as one).
        public var newlySACKed: Int
        /// The first block was a D-SACK (RFC 2883 §4): bytes the receiver got twice. Not a loss signal.
        public var dsack: SACKBlock?
    }

    /// New data [highData, end) was sent.
    public mutating func dataSent(upTo end: UInt32) {
        if SeqNum(highData) < SeqNum(end) { highData = end }
    }

    /// Process an ACK's cumulative number and SACK blocks (RFC 6675 §5 "update the scoreboard").
    public mutating func ackReceived(ack: UInt32, blocks: [SACKBlock]) -> Update {
        var dsack: SACKBlock?
        var rest = blocks[...]
        if let first = blocks.first {
            // RFC 2883 §4: a first block at or below the cumulative ACK, or inside the second block, is a D-SACK.
            let belowAck = SeqNum(first.right) <= SeqNum(ack)
            let insideSecond = blocks.count > 1
                && SeqNum(blocks[1].left) <= SeqNum(first.left) && SeqNum(first.right) <= SeqNum(blocks[1].right)
            if belowAck || insideSecond {
                dsack = first
                rest = blocks.dropFirst()
            }
        }
        let advance = SeqNum(ack) - SeqNum(sndUna)
        if advance > 0, SeqNum(ack) <= SeqNum(highData) {
            sndUna = ack
            sacked = sacked.compactMap { r in
                let l = r.lowerBound - advance, u = r.upperBound - advance
                return u <= 0 ? nil : Swift.max(l, 0)..<u
            }
            if SeqNum(highRxt) < SeqNum(sndUna) { highRxt = sndUna }
        }
        let limit = SeqNum(highData) - SeqNum(sndUna)
        var newly = 0
        for b in rest {
            // Only blocks inside [SND.UNA, HighData] are believed (Linux `tcp_is_sackblock_valid`).
            let l = SeqNum(b.left) - SeqNum(sndUna), u = SeqNum(b.right) - SeqNum(sndUna)
            guard l < u, u <= limit, u > 0 else { continue }
            newly += insert(Swift.max(l, 0)..<u)
        }
        return Update(newlySACKed: newly, dsack: dsack)
    }

    /// Inserts a range, merging; returns how many bytes were not SACKed before.
    private mutating func insert(_ r: Range<Int>) -> Int {
        var lower = r.lowerBound, upper = r.upperBound
        var covered = 0
        var kept: [Range<Int>] = []
        kept.reserveCapacity(sacked.count + 1)
        for s in sacked {
            if s.upperBound < lower || s.lowerBound > upper {
                kept.append(s)
            } else {
                covered += Swift.max(0, Swift.min(s.upperBound, r.upperBound) - Swift.max(s.lowerBound, r.lowerBound))
                lower = Swift.min(lower, s.lowerBound)
                upper = Swift.max(upper, s.upperBound)
            }
        }
        let index = kept.firstIndex { $0.lowerBound > lower } ?? kept.endIndex
        kept.insert(lower..<upper, at: index)
        sacked = kept
        return r.count - covered
    }

    /// The SACKed ranges, in sequence order.
    public var sackedBlocks: [SACKBlock] { sacked.map(block) }

    /// Bytes SACKed above SND.UNA.
    public var sackedBytes: Int { sacked.reduce(0) { $0 + $1.count } }

    /// The holes: unSACKed ranges between SND.UNA and the highest SACKed byte (RFC 6675 HighACK).
    public var holes: [SACKBlock] { holeRanges.map(block) }

    private var holeRanges: [Range<Int>] {
        var out: [Range<Int>] = []
        var at = 0
        for s in sacked {
            if s.lowerBound > at { out.append(at..<s.lowerBound) }
            at = s.upperBound
        }
        return out
    }

    /// RFC 6675 §4 IsLost: DupThresh SACKed segments, or more than (DupThresh − 1)·SMSS SACKed bytes, above `seq`.
    /// SACKed ranges count as ⌈length / SMSS⌉ segments, since a range of full segments took that many ACKs.
    public func isLost(_ seq: UInt32) -> Bool { isLost(offset: (SeqNum(seq) - SeqNum(sndUna))) }

    private func isLost(offset: Int) -> Bool {
        var segments = 0, bytes = 0
        for s in sacked where s.lowerBound > offset {
            segments += (s.count + mss - 1) / mss
            bytes += s.count
        }
        return segments >= dupThresh || bytes > (dupThresh - 1) * mss
    }

    /// RFC 6675 §4 SetPipe: every unSACKed byte in [SND.UNA, HighData) counts once unless lost, and once more if it
    /// was retransmitted (below HighRxt).
    public var pipe: Int {
        let high = SeqNum(highData) - SeqNum(sndUna)
        let rxt = SeqNum(highRxt) - SeqNum(sndUna)
        var total = 0
        var at = 0
        func unsacked(_ r: Range<Int>) {
            guard !r.isEmpty else { return }
            if !isLost(offset: r.lowerBound) { total += r.count }
            total += Swift.max(0, Swift.min(r.upperBound, rxt) - r.lowerBound)
        }
        for s in sacked {
            unsacked(at..<s.lowerBound)
            at = s.upperBound
        }
        unsacked(at..<Swift.max(at, high))
        return total
    }

    /// What RFC 6675 NextSeg says to send.
    public enum NextSegment: Sendable, Hashable {
        /// Retransmit [left, right).
        case retransmit(SACKBlock)
        /// Send new data.
        case newData
    }

    /// RFC 6675 §4 NextSeg, assuming the caller sends what it returns (a retransmission advances HighRxt).
    /// Rule (4), the rescue retransmission, is not implemented: the retransmission timer covers that case.
    public mutating func nextSegment(newDataAvailable: Bool) -> NextSegment? {
        let rxt = SeqNum(highRxt) - SeqNum(sndUna)
        var lostCandidate: Range<Int>?, anyCandidate: Range<Int>?
        for h in holeRanges where h.upperBound > rxt {
            let start = Swift.max(h.lowerBound, rxt)
            let piece = start..<Swift.min(h.upperBound, start + mss)
            if anyCandidate == nil { anyCandidate = piece }
            if isLost(offset: start) {  // (1): S2 > HighRxt, S2 < HighACK, IsLost(S2)
                lostCandidate = piece
                break
            }
        }
        let choice: Range<Int>?
        if let lost = lostCandidate {
            choice = lost
        } else if newDataAvailable {
            return .newData  // (2)
        } else {
            choice = anyCandidate  // (3)
        }
        guard let r = choice else { return nil }
        highRxt = sndUna &+ UInt32(r.upperBound)
        return .retransmit(block(r))
    }

    /// A retransmission of [.., end) went out by other means (fast retransmit of SND.UNA, a timeout): HighRxt
    /// follows (RFC 6675 §2).
    public mutating func retransmitted(upTo end: UInt32) {
        if SeqNum(highRxt) < SeqNum(end) { highRxt = SeqNum.earlier(SeqNum(end), SeqNum(highData)).rawValue }
    }

    /// After a retransmission timeout everything unSACKed is sent again from SND.UNA (RFC 6675 §5.1).
    public mutating func retransmissionTimeout() { highRxt = sndUna }

    private func block(_ r: Range<Int>) -> SACKBlock {
        SACKBlock(left: sndUna &+ UInt32(r.lowerBound), right: sndUna &+ UInt32(r.upperBound))
    }
}
