import TCPStack
import TCPWire

/// Inbound `icmp` lines: packetdrill's ICMP and ICMPv6 type/code names (icmp_packet.c), folded into the kind
/// the engine takes, and handed to the stack with the quoted segment's four-tuple and sequence number.
extension ScriptRunner {
    /// The kind an ICMP (IPv4 wire) or ICMPv6 error names, or why it names none the engine takes.
    static func icmpErrorKind(_ icmp: ICMPSpec, ipv6: Bool) -> Result<ICMPErrorKind, ICMPNameProblem> {
        let code = icmp.code
        if ipv6 {
            switch (icmp.type, code) {
            case ("unreachable", "port_unreachable"): return .success(.portUnreachable)
            case ("unreachable", "admin_prohibited"): return .success(.administrativelyProhibited)
            case ("unreachable", "no_route"), ("unreachable", "beyond_scope"), ("unreachable", "address_unreachable"),
                ("unreachable", "not_neighbour"):
                return .success(.otherUnreachable)
            case ("packet_too_big", _): return .success(.packetTooBig(mtu: Int(icmp.mtu ?? 1280)))
            case ("time_exceeded", "exceeded_hop_limit"): return .success(.timeExceededInTransit)
            case ("time_exceeded", "exceeded_frag_time"): return .success(.reassemblyTimeExceeded)
            case ("parameter_problem", "unknown_next_header"): return .success(.protocolUnreachable)
            case ("parameter_problem", "header_field"), ("parameter_problem", "unknown_option"):
                return .success(.parameterProblem)
            default: return .failure(ICMPNameProblem(icmp: icmp, family: "ICMPv6"))
            }
        }
        switch (icmp.type, code) {
        case ("unreachable", "port_unreachable"): return .success(.portUnreachable)
        case ("unreachable", "protocol_unreachable"): return .success(.protocolUnreachable)
        // ip_icmp.c: codes 9, 10 and 13 are PRC_UNREACH_ADMIN_PROHIB.
        case ("unreachable", "net_prohibited"), ("unreachable", "host_prohibited"), ("unreachable", "packet_filtered"):
            return .success(.administrativelyProhibited)
        case ("unreachable", "frag_needed"): return .success(.packetTooBig(mtu: Int(icmp.mtu ?? 0)))
        case ("unreachable", "net_unreachable"), ("unreachable", "host_unreachable"),
            ("unreachable", "source_route_failed"), ("unreachable", "net_unknown"), ("unreachable", "host_unknown"),
            ("unreachable", "source_host_isolated"), ("unreachable", "net_unreachable_for_tos"),
            ("unreachable", "host_unreachable_for_tos"), ("unreachable", "precedence_violation"),
            ("unreachable", "precedence_cutoff"):
            return .success(.otherUnreachable)
        case ("time_exceeded", "ttl_exceeded_in_transit"): return .success(.timeExceededInTransit)
        case ("time_exceeded", "frag_reass_exceeded"): return .success(.reassemblyTimeExceeded)
        case ("parameter_problem", _): return .success(.parameterProblem)
        case ("source_quench", nil): return .success(.sourceQuench)
        case ("redirect", _): return .success(.redirect)
        default: return .failure(ICMPNameProblem(icmp: icmp, family: "ICMP"))
        }
    }

    struct ICMPNameProblem: Error {
        var icmp: ICMPSpec
        var family: String
        var message: String { "\(family) '\(icmp.type)\(icmp.code.map { " " + $0 } ?? "")' is not an error the engine takes" }
    }

    /// Hands an inbound ICMP error to the stack: it quotes our segment to the script's peer, its sequence number
    /// the script's, relative to our ISN as outbound packets are.
    mutating func injectICMP(_ spec: PacketSpec, _ icmp: ICMPSpec, at location: SourceLocation) throws(ScriptFailure) {
        guard stack.configuration.icmp != nil else {
            throw fail(location, "ICMP errors are not modelled for personality \(personality)")
        }
        let kind: ICMPErrorKind
        var wireIPv6 = false
        if case .v6(let a) = local, a.v4Mapped == nil { wireIPv6 = true }
        switch Self.icmpErrorKind(icmp, ipv6: wireIPv6) {
        case .success(let k): kind = k
        case .failure(let problem): throw fail(location, problem.message)
        }
        let instant = Instant(nanoseconds: now * 1000)
        loop.now = instant
        stack.icmpErrorArrived(kind, local: Endpoint(local, localPort), remote: Endpoint(remote, remotePort),
            sequence: spec.sequenceStart &+ localISN, now: instant)
        collect()
        try retryPending()
    }
}
