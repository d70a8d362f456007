/// The TCP control bits. Raw value is the 9 low bits of the 16-bit offset/flags word
/// (AE, the former NS bit, is bit 8; RFC 3540 / RFC 9768).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    /// The control bits in header order: FIN is bit 0, AE bit 8.
    public var rawValue: UInt16
    /// Wraps control bits as found in the low nine bits of the offset/flags word.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    // Computed and inlinable rather than stored: a stored static is reached through a lazy-initialisation
    // accessor call from other modules, and the engine tests flags on every segment.
    /// FIN: the sender has no more data (RFC 9293 §3.1).
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x001) }
    /// SYN: synchronise sequence numbers; opens a connection.
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x002) }
    /// RST: reset the connection.
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x004) }
    /// PSH: push buffered data to the application.
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x008) }
    /// ACK: the acknowledgment number is valid; set on every segment after the first SYN.
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x010) }
    /// URG: the urgent pointer is valid.
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x020) }
    /// ECE: ECN echo (RFC 3168).
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x040) }
    /// CWR: congestion window reduced (RFC 3168).
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x080) }
    /// AE: accurate ECN, the former NS bit (RFC 9768).
    @inlinable public static var ae: TCPFlags { TCPFlags(rawValue: 0x100) }

    /// SYN and ACK: the reply to a SYN, and what each side of a simultaneous open sends.
    @inlinable public static var synAck: TCPFlags { TCPFlags(rawValue: 0x012) }
    /// RST and ACK: a reset that acknowledges the segment it answers.
    @inlinable public static var rstAck: TCPFlags { TCPFlags(rawValue: 0x014) }
    /// FIN and ACK: a close as an established connection sends it.
    @inlinable public static var finAck: TCPFlags { TCPFlags(rawValue: 0x011) }
}

extension TCPFlags {
    /// tcpdump's flag letters in its order (`S.`, `F.`, `R.`); `none` when no flag of the low eight is set.
    public var tcpdumpLetters: String {
        let letters: [(TCPFlags, Character)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
        ]
        let text = String(letters.compactMap { contains($0.0) ? $0.1 : nil })
        return text.isEmpty ? "none" : text
    }
}
