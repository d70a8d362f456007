/// The ECN field of the IP header (RFC 3168 §5): the two low bits of the IPv4 TOS byte or the IPv6 traffic class.
public enum ECNCodepoint: UInt8, Sendable, Hashable {
    /// Not-ECT: the sender does not take part in ECN.
    case notECT = 0
    /// ECT(1).
    case ect1 = 1
    /// ECT(0): what an RFC 3168 sender marks its data with.
    case ect0 = 2
    /// CE: a router met congestion on the way.
    case ce = 3
}

extension IPPacket {
    /// The packet's ECN codepoint; setting it leaves the DSCP bits alone.
    public var ecn: ECNCodepoint {
        get {
            switch ip {
            case .v4(let h): ECNCodepoint(rawValue: h.tos & 3)!
            case .v6(let h): ECNCodepoint(rawValue: h.trafficClass & 3)!
            }
        }
        set {
            switch ip {
            case .v4(var h):
                h.tos = h.tos & ~3 | newValue.rawValue
                ip = .v4(h)
            case .v6(var h):
                h.trafficClass = h.trafficClass & ~3 | newValue.rawValue
                ip = .v6(h)
            }
        }
    }
}
