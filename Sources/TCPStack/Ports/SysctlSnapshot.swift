/// This host's TCP sysctls, parsed from their /proc/sys text (HostNet reads the files; this type only parses,
/// so it stays pure and testable). Missing entries stay nil and the personality's default applies.
public struct SysctlSnapshot: Hashable, Sendable {
    /// `net.ipv4.ip_local_port_range`: the ports connect() and bind(0) pick from.
    public var localPortRange: PortRange?          // net.ipv4.ip_local_port_range "low\thigh"
    /// `net.ipv4.ip_local_reserved_ports`: ports they never pick.
    public var reservedPorts: ReservedPorts?       // net.ipv4.ip_local_reserved_ports "a-b,c"
    /// `net.ipv4.tcp_rmem`: receive buffer minimum, default and maximum.
    public var receiveBuffer: BufferSizes?         // net.ipv4.tcp_rmem "min default max"
    /// `net.ipv4.tcp_wmem`: send buffer minimum, default and maximum.
    public var sendBuffer: BufferSizes?            // net.ipv4.tcp_wmem
    /// `net.ipv4.tcp_timestamps`: 0 off, 1 on with a random offset per connection, 2 on without.
    public var timestamps: Int?                    // net.ipv4.tcp_timestamps (0, 1, 2)
    /// `net.ipv4.tcp_sack`: whether SACK-permitted is offered.
    public var sack: Bool?                         // net.ipv4.tcp_sack
    /// `net.ipv4.tcp_dsack`: whether duplicates are reported as D-SACK blocks.
    public var dsack: Bool?                        // net.ipv4.tcp_dsack
    /// `net.ipv4.tcp_window_scaling`: whether window scaling is offered.
    public var windowScaling: Bool?                // net.ipv4.tcp_window_scaling
    /// `net.ipv4.tcp_syn_retries`: SYN retransmissions before connect() times out.
    public var synRetries: Int?                    // net.ipv4.tcp_syn_retries
    /// `net.ipv4.tcp_invalid_ratelimit`: the least time between ACKs answering invalid segments, in ms.
    public var invalidRateLimitMilliseconds: Int?  // net.ipv4.tcp_invalid_ratelimit
    /// `net.ipv4.tcp_challenge_ack_limit`: challenge ACKs per second.
    public var challengeAckLimit: Int?             // net.ipv4.tcp_challenge_ack_limit
    /// `net.ipv4.tcp_tw_reuse`: 0 off, 1 on, 2 loopback only.
    public var timeWaitReuse: Int?                 // net.ipv4.tcp_tw_reuse (0, 1, 2 = loopback only)
    /// `net.core.rmem_max`: the ceiling on SO_RCVBUF.
    public var receiveBufferCeiling: Int?          // net.core.rmem_max
    /// `net.ipv4.tcp_synack_retries`: SYN-ACK retransmissions before a half-open connection is dropped.
    public var synAckRetries: Int?                 // net.ipv4.tcp_synack_retries
    /// `net.ipv4.tcp_retries2`: data retransmissions before the connection times out.
    public var dataRetries: Int?                   // net.ipv4.tcp_retries2

    /// The three numbers of `tcp_rmem` or `tcp_wmem`, in bytes.
    public struct BufferSizes: Hashable, Sendable {
        /// Minimum, default (the initial size of a new socket's buffer) and maximum.
        public var min: Int, initial: Int, max: Int
    }

    /// The sysctl names this snapshot understands, as /proc/sys paths relative to /proc/sys.
    public static let paths: [String] = [
        "net/ipv4/ip_local_port_range", "net/ipv4/ip_local_reserved_ports", "net/ipv4/tcp_rmem",
        "net/ipv4/tcp_wmem", "net/ipv4/tcp_timestamps", "net/ipv4/tcp_sack", "net/ipv4/tcp_dsack",
        "net/ipv4/tcp_window_scaling", "net/ipv4/tcp_syn_retries", "net/ipv4/tcp_invalid_ratelimit",
        "net/ipv4/tcp_challenge_ack_limit", "net/ipv4/tcp_tw_reuse", "net/core/rmem_max",
        "net/ipv4/tcp_synack_retries", "net/ipv4/tcp_retries2",
    ]

    /// A snapshot with every value missing: each personality default applies.
    public init() {}

    /// Why a sysctl value could not be parsed.
    public enum ParseError: Error, Hashable, Sendable {
        /// A known sysctl whose value has the wrong number or form of fields.
        case malformed(name: String, value: String)
    }

    /// Parses `values`, keyed by the dotted sysctl name ("net.ipv4.tcp_sack") or its /proc/sys path
    /// ("net/ipv4/tcp_sack"). Unknown names are ignored; a known name with a malformed value is an error.
    public init(parsing values: [String: String]) throws(ParseError) {
        for (rawName, value) in values {
            let name = rawName.split(separator: "/").joined(separator: ".")
            let fields = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            func ints(_ n: Int) throws(ParseError) -> [Int] {
                let v = fields.compactMap { Int($0) }
                guard v.count == n, fields.count == n else { throw .malformed(name: name, value: value) }
                return v
            }
            func flag() throws(ParseError) -> Bool { try ints(1)[0] != 0 }
            switch name {
            case "net.ipv4.ip_local_port_range":
                let v = try ints(2)
                guard let lo = UInt16(exactly: v[0]), let hi = UInt16(exactly: v[1]),
                      let range = try? PortRange(lower: lo, upper: hi) else {
                    throw .malformed(name: name, value: value)
                }
                localPortRange = range
            case "net.ipv4.ip_local_reserved_ports":
                guard let r = try? ReservedPorts(parsing: value) else { throw .malformed(name: name, value: value) }
                reservedPorts = r
            case "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem":
                let v = try ints(3)
                let sizes = BufferSizes(min: v[0], initial: v[1], max: v[2])
                if name.hasSuffix("rmem") { receiveBuffer = sizes } else { sendBuffer = sizes }
            case "net.ipv4.tcp_timestamps": timestamps = try ints(1)[0]
            case "net.ipv4.tcp_sack": sack = try flag()
            case "net.ipv4.tcp_dsack": dsack = try flag()
            case "net.ipv4.tcp_window_scaling": windowScaling = try flag()
            case "net.ipv4.tcp_syn_retries": synRetries = try ints(1)[0]
            case "net.ipv4.tcp_invalid_ratelimit": invalidRateLimitMilliseconds = try ints(1)[0]
            case "net.ipv4.tcp_challenge_ack_limit": challengeAckLimit = try ints(1)[0]
            case "net.ipv4.tcp_tw_reuse": timeWaitReuse = try ints(1)[0]
            case "net.core.rmem_max": receiveBufferCeiling = try ints(1)[0]
            case "net.ipv4.tcp_synack_retries": synAckRetries = try ints(1)[0]
            case "net.ipv4.tcp_retries2": dataRetries = try ints(1)[0]
            default: continue
            }
        }
    }
}
