/// The connection's side of SocketReporting: marking writes and reporting sends and ACKs.
extension Connection {
    /// After a write: Linux `tcp_tx_timestamp` marks the tail of the write queue, whose last byte is the last
    /// byte written, when SO_TIMESTAMPING asks for transmit timestamps.
    mutating func markTimestampedWrite() {
        let flags = reporting.timestamping.intersection(.txRecord)
        guard !flags.isEmpty, !sendBuffer.isEmpty else { return }
        reporting.marks.append(TimestampMark(lastByte: dataEnd - 1, flags: flags))
    }

    /// A data segment went out (called from `emit` only when the rare state exists).
    mutating func segmentWithDataSent(seq: SeqNum, length: Int, now: Instant) {
        guard !reporting.marks.isEmpty else { return }
        reporting.segmentSent(seq: seq, length: length, now: now)
    }

    /// The cumulative ACK reached `ack` (called before SND.UNA moves, only when the rare state exists).
    mutating func reportAcknowledged(upTo ack: SeqNum, now: Instant) {
        guard !reporting.marks.isEmpty || !reporting.zerocopyPending.isEmpty else { return }
        reporting.acknowledged(from: sndUna, to: ack, now: now)
    }
}
