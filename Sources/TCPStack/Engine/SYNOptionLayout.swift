import TCPWire

/// How a system lays out the options of its SYN and SYN-ACK. The options are the same (MSS, window scale,
/// SACK-permitted, timestamps); the order and the padding differ, and they are what a capture shows first.
public enum SYNOptionLayout: String, Hashable, Sendable {
    /// Linux `tcp_options_write`: `mss,sackOK,TS,nop,wscale`; nops stand in for what is off.
    case linux
    /// XNU `tcp_output`: `mss,nop,wscale,nop,nop,TS,sackOK`, then EOL bytes up to a 4-byte boundary.
    case xnu
    /// FreeBSD `tcp_addoptions`: options in flag order (MSS, window scale, SACK-permitted, timestamps), each
    /// preceded by the nops its alignment needs: `mss,nop,wscale,sackOK,TS`; EOL and zeros pad the end.
    case freebsd

    /// The options of a SYN (`timestamp.echo` 0) or SYN-ACK. At most 24 bytes: never overflows the 40-byte area.
    func options(
        mss: UInt16, timestamp: (value: UInt32, echo: UInt32)?, sack: Bool, windowScale: UInt8?
    ) -> TCPOptions {
        switch self {
        case .linux:
            // A direct builder: no option values, no throwing appends (the engine's hot path).
            TCPOptions(
                synMSS: mss, sackPermitted: sack, timestamps: timestamp.map { ($0.value, $0.echo) },
                windowScale: windowScale)
        case .xnu, .freebsd:
            appendedOptions(mss: mss, timestamp: timestamp, sack: sack, windowScale: windowScale)
        }
    }

    /// The XNU and FreeBSD layouts, built option by option.
    private func appendedOptions(
        mss: UInt16, timestamp: (value: UInt32, echo: UInt32)?, sack: Bool, windowScale: UInt8?
    ) -> TCPOptions {
        var o = TCPOptions()
        func add(_ option: TCPOption) { try? o.append(option) }
        func nops(_ n: Int) { for _ in 0..<n { add(.noOperation) } }
        let ts = timestamp.map { TCPOption.timestamps(value: $0.value, echoReply: $0.echo) }
        if self == .xnu {
            add(.maxSegmentSize(mss))
            if let ws = windowScale {
                nops(1)
                add(.windowScale(ws))
            }
            if let ts {
                nops(2)
                add(ts)
            }
            if sack { add(.sackPermitted) }
            while o.count % 4 != 0 { add(.endOfList) }
        } else { // FreeBSD
            add(.maxSegmentSize(mss))
            if let ws = windowScale {
                while o.count % 2 != 1 { add(.noOperation) }
                add(.windowScale(ws))
            }
            if sack {
                while o.count % 2 != 0 { add(.noOperation) }
                add(.sackPermitted)
            }
            if let ts {
                while o.count % 4 != 2 { add(.noOperation) }
                add(ts)
            }
            // One EOL, then zero padding: the same bytes.
            while o.count % 4 != 0 { add(.endOfList) }
        }
        return o
    }
}
