import TCPStack

/// Why an unbound connect() can (or cannot) be handed port P as its source port under a personality.
public enum Reachability {
    /// One clause on whether an unbound connect() can reach `port` under `personality`: its range, reserved ports,
    /// parity or per-destination order (its port side), and a self-connect refused outright (its connect() rules).
    public static func explain(_ personality: Personality, port: UInt16) -> String {
        let ports = personality.ports
        let range = ports.range
        let rangeText = "ip_local_port_range \(range.lower)-\(range.upper)"
        guard range.contains(port) else {
            return "\(port) lies outside \(rangeText), so an unbound connect() never picks it "
                + "(only bind() can make this self-connect)"
        }
        if ports.reserved.contains(port) {
            return "\(port) is in ip_local_reserved_ports, so an unbound connect() never picks it"
        }
        var s = "\(port) lies in \(rangeText)"
        if ports.allocator.prefersLowParityForConnect {
            let even = range.lower % 2 == 0
            let sameParity = port % 2 == range.lower % 2
            let parity = even ? "even" : "odd"
            s += sameParity
                ? " and is \(parity), the parity connect() tries first (\(personality.name): since Linux 4.6)"
                : " but has the parity connect() tries last (\(personality.name)): "
                    + "it is reached only when every \(parity) port is taken"
        } else if ports.allocator.isSequentialPerDestination {
            s += "; \(personality.name) hands one destination successive ports, so the loop walks onto it"
        } else {
            s += "; \(personality.name) draws ports without a parity preference"
        }
        if personality.refusesIPv4SelfConnect {
            s += "; but \(personality.name)'s connect() refuses an IPv4 self-connect with EINVAL (XNU tcp_connect), "
                + "so over IPv4 the loop never connects to itself (IPv6 can)"
        }
        if !personality.simultaneousConnect {
            s += "; but \(personality.name) drops a SYN received in SYN_SENT (net.ipv4.tcp_simult_connect=0), so the "
                + "attempt that gets port \(port) retransmits its SYN and times out: self-connect cannot happen"
        }
        return s
    }
}
