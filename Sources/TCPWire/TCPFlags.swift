/// The TCP control bits. Raw value is the 9 low bits of the 16-bit offset/flags word
/// (AE, the former NS bit, is bit 8; RFC 3540 / RFC 9768).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x001)
    public static let syn = TCPFlags(rawValue: 0x002)
    public static let rst = TCPFlags(rawValue: 0x004)
    public static let psh = TCPFlags(rawValue: 0x008)
    public static let ack = TCPFlags(rawValue: 0x010)
    public static let urg = TCPFlags(rawValue: 0x020)
    public static let ece = TCPFlags(rawValue: 0x040)
    public static let cwr = TCPFlags(rawValue: 0x080)
    public static let ae = TCPFlags(rawValue: 0x100)

    public static let synAck: TCPFlags = [.syn, .ack]
    public static let rstAck: TCPFlags = [.rst, .ack]
    public static let finAck: TCPFlags = [.fin, .ack]
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
