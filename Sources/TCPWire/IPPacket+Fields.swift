extension IPPacket {
    /// The IPv4 TOS byte or the IPv6 traffic class: DSCP and ECN together (RFC 2474, RFC 3168 §5).
    public var trafficClass: UInt8 {
        get {
            switch ip {
            case .v4(let h): h.tos
            case .v6(let h): h.trafficClass
            }
        }
        set {
            switch ip {
            case .v4(var h):
                h.tos = newValue
                ip = .v4(h)
            case .v6(var h):
                h.trafficClass = newValue
                ip = .v6(h)
            }
        }
    }

    /// The IPv4 TTL or the IPv6 hop limit.
    public var hopLimit: UInt8 {
        get {
            switch ip {
            case .v4(let h): h.ttl
            case .v6(let h): h.hopLimit
            }
        }
        set {
            switch ip {
            case .v4(var h):
                h.ttl = newValue
                ip = .v4(h)
            case .v6(var h):
                h.hopLimit = newValue
                ip = .v6(h)
            }
        }
    }
}
