/// The TCP control bits. Raw value is the 9 low bits of the 16-bit offset/flags word
/// (AE, the former NS bit, is bit 8; RFC 3540 / RFC 9768).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    // Computed and inlinable rather than stored: a stored static is reached through a lazy-initialisation
    // accessor call from other modules, and the engine tests flags on every segment.
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x001) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x002) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x004) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x008) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x010) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x020) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x040) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x080) }
    @inlinable public static var ae: TCPFlags { TCPFlags(rawValue: 0x100) }

    @inlinable public static var synAck: TCPFlags { TCPFlags(rawValue: 0x012) }
    @inlinable public static var rstAck: TCPFlags { TCPFlags(rawValue: 0x014) }
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
