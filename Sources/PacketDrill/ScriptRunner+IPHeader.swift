import TCPStack
import TCPWire

/// IP header fields in scripts: the `IPTOS_*` names a setsockopt value may use, the `(tos ...)`/`(ttl ...)`
/// of an inbound packet, and the check of an outbound one's.
extension ScriptRunner {
    /// netinet/ip.h: the DSCP class selectors and the RFC 1349 TOS bits.
    static let ipTOSConstants: [String: Int64] = {
        var table: [String: Int64] = [
            "IPTOS_LOWDELAY": 0x10, "IPTOS_THROUGHPUT": 0x08, "IPTOS_RELIABILITY": 0x04, "IPTOS_MINCOST": 0x02,
            "IPTOS_DSCP_EF": 0xb8,
        ]
        for n in 0...7 { table["IPTOS_DSCP_CS\(n)"] = Int64(n) << 5 }
        for (cls, base) in [(1, 0x20), (2, 0x40), (3, 0x60), (4, 0x80)] {
            for (drop, bits) in [(1, 0x08), (2, 0x10), (3, 0x18)] { table["IPTOS_DSCP_AF\(cls)\(drop)"] = Int64(base | bits) }
        }
        return table
    }()

    /// `[IPTOS_DSCP_CS1]`: a setsockopt value named by netinet/ip.h.
    func ipHeaderConstant(_ call: SyscallSpec, _ index: Int) -> Int64? {
        guard index < call.arguments.count else { return nil }
        switch call.arguments[index] {
        case .identifier(let name): return Self.ipTOSConstants[name]
        case .array(let items) where items.count == 1:
            if case .identifier(let name) = items[0] { return Self.ipTOSConstants[name] }
            return nil
        default: return nil
        }
    }

    /// Writes an inbound packet's `(tos ...)` and `(ttl ...)` into its IP header.
    static func applyIPHeaderFields(_ spec: PacketSpec, to packet: inout IPPacket) {
        if let tc = spec.ipTrafficClass { packet.trafficClass = tc }
        if let hops = spec.ipHopLimit { packet.hopLimit = hops }
    }

    /// Why an outbound packet's TOS/traffic class or TTL/hop limit is not the one the script wrote, or nil.
    static func ipHeaderMismatch(_ spec: PacketSpec, _ packet: IPPacket) -> String? {
        if let tc = spec.ipTrafficClass, packet.trafficClass != tc {
            return "IP TOS/traffic class 0x\(String(packet.trafficClass, radix: 16)), expected 0x\(String(tc, radix: 16))"
        }
        if let hops = spec.ipHopLimit, packet.hopLimit != hops {
            return "IP TTL/hop limit \(packet.hopLimit), expected \(hops)"
        }
        return nil
    }
}
