/// Which algorithm picks ephemeral ports.
public enum AllocatorKind: CaseIterable, Hashable, Sendable {
    /// Linux 3.10: one global hint, sequential per destination.
    case linux310
    /// Linux 4.6 to 5.11: the parity of `low` first for connect(), one global hint.
    case linux46
    /// Linux 5.18 and later: a 2^16-slot perturbation table with random steps.
    case linux6
    /// RFC 6056 algorithm 1: a random start, then sequential.
    case rfc6056Algorithm1
    /// RFC 6056 algorithm 2: a fresh random port per probe.
    case rfc6056Algorithm2
    /// RFC 6056 algorithm 3: a keyed hash per destination plus one global counter.
    case rfc6056Algorithm3
    /// RFC 6056 algorithm 4: a keyed hash plus a per-destination table slot.
    case rfc6056Algorithm4
    /// RFC 6056 algorithm 5: random increments.
    case rfc6056Algorithm5
    /// macOS: one global counter through 49152-65535.
    case xnu

    /// The allocator's label in benches and in `odds --personality rfc6056-N`: a system's own allocator carries
    /// the name of the personality that uses it (`Personality.catalog` defines each once).
    public var name: String {
        switch self {
        case .linux310: Personality.linux310.name
        case .linux46: Personality.linux46.name
        case .linux6: Personality.linux6.name
        case .rfc6056Algorithm1: "rfc6056-1"
        case .rfc6056Algorithm2: "rfc6056-2"
        case .rfc6056Algorithm3: "rfc6056-3"
        case .rfc6056Algorithm4: "rfc6056-4"
        case .rfc6056Algorithm5: "rfc6056-5"
        case .xnu: Personality.xnu.name
        }
    }

    /// A fresh allocator of this kind over `policy`, its keys and tables drawn from `random`.
    public func make(policy: PortPolicy, random: inout SeededRandom) -> any PortAllocator {
        switch self {
        case .linux310: Linux310PortAllocator(policy: policy, random: &random)
        case .linux46: Linux46PortAllocator(policy: policy, random: &random)
        case .linux6: Linux6PortAllocator(policy: policy, random: &random)
        case .rfc6056Algorithm1: RFC6056Algorithm1(policy: policy)
        case .rfc6056Algorithm2: RFC6056Algorithm2(policy: policy)
        case .rfc6056Algorithm3: RFC6056Algorithm3(policy: policy, random: &random)
        case .rfc6056Algorithm4: RFC6056Algorithm4(policy: policy, random: &random)
        case .rfc6056Algorithm5: RFC6056Algorithm5(policy: policy, random: &random)
        case .xnu: XNUPortAllocator(policy: policy, random: &random)
        }
    }

    /// The RFC 6056 algorithms, which `odds` also takes bare under their own names ("rfc6056-1" ... "rfc6056-5").
    public static let rfc6056: [AllocatorKind] = [
        .rfc6056Algorithm1, .rfc6056Algorithm2, .rfc6056Algorithm3, .rfc6056Algorithm4, .rfc6056Algorithm5,
    ]

    /// connect() prefers ports of `low`'s parity, bind(0) the other (Linux >= 4.6).
    public var prefersLowParityForConnect: Bool { self == .linux46 || self == .linux6 }

    /// For a fixed destination, successive connects take successive (usable) ports.
    public var isSequentialPerDestination: Bool {
        switch self {
        case .linux310, .linux46, .rfc6056Algorithm3, .rfc6056Algorithm4, .xnu: true
        default: false
        }
    }
}

/// The port side of a system's personality (`Personality.ports`): its default range and reserved ports and its
/// allocator. Each default names its source. The name and the connect() rules belong to the TCP side.
public struct PortPersonality: Hashable, Sendable {
    /// The default `ip_local_port_range`.
    public var range: PortRange
    /// The default `ip_local_reserved_ports` (none on every system modelled).
    public var reserved: ReservedPorts
    /// The algorithm that picks a source port.
    public var allocator: AllocatorKind
    /// Where the defaults come from.
    public var source: String

    /// The range and reserved ports, as every allocator takes them.
    public var policy: PortPolicy { PortPolicy(range: range, reserved: reserved) }

    /// A fresh allocator for this personality, its keys and tables drawn from `random`.
    public func makeAllocator(random: inout SeededRandom) -> any PortAllocator {
        allocator.make(policy: policy, random: &random)
    }

    private static func range(_ lo: UInt16, _ hi: UInt16) -> PortRange {
        // Literal, valid ranges only.
        try! PortRange(lower: lo, upper: hi)
    }

    /// The article's kernel: 3.10's `inet_get_local_port_range` default 32768-61000 (net/ipv4/af_inet.c
    /// before 4.6) and `__inet_hash_connect` with the global hint.
    public static let linux310 = PortPersonality(
        range: range(32768, 61000), reserved: .none, allocator: .linux310,
        source: "Linux 3.10 net/ipv4/inet_hashtables.c __inet_hash_connect; range 32768-61000 (af_inet.c, < 4.6)")

    /// Linux 4.6-5.11: the even/odd split, and the default range made 32768-60999 so both parities are whole.
    public static let linux46 = PortPersonality(
        range: range(32768, 60999), reserved: .none, allocator: .linux46,
        source: "Linux 4.6 commit 'tcp/dccp: try to not exhaust ip_local_port_range in connect()'; range 32768-60999")

    /// Linux >= 5.18 as on the reference 6.18 host (scenarios.json: ip_local_port_range 32768 60999).
    public static let linux6 = PortPersonality(
        range: range(32768, 60999), reserved: .none, allocator: .linux6,
        source: "Linux 5.18+ __inet_hash_connect (2^16 table_perturb, CVE-2022-32296); range from scenarios.json")

    /// The plain RFCs: RFC 9293 does not say how to pick a local port; RFC 6056 does. We pick its §3.3.3
    /// algorithm 3 (hash-based: sequential per destination, unpredictable across destinations, and the one Linux
    /// shipped for a decade) and the range 1024-65535 that RFC 6056 §3.2 recommends.
    public static let rfc9293 = PortPersonality(
        range: range(1024, 65535), reserved: .none, allocator: .rfc6056Algorithm3,
        source: "RFC 6056 §3.3.3 algorithm 3 (RFC 9293 leaves port choice open); range per RFC 6056 §3.2")

    /// macOS: `net.inet.ip.portrange.hifirst/hilast` 49152-65535, one global counter.
    public static let xnu = PortPersonality(
        range: range(49152, 65535), reserved: .none, allocator: .xnu,
        source: "XNU bsd/netinet/in_pcb.c in_pcbbind (sequential lastport), tcp_usrreq.c tcp_connect (EINVAL)")

    /// FreeBSD: `net.inet.ip.portrange.first/last` 10000-65535 (IPPORT_EPHEMERALFIRST/LAST, sys/netinet/in.h),
    /// `portrange.randomized` = 1: random start, then sequential (RFC 6056 algorithm 1).
    public static let freebsd = PortPersonality(
        range: range(10000, 65535), reserved: .none, allocator: .rfc6056Algorithm1,
        source: "FreeBSD sys/netinet/in_pcb.c in_pcb_lport_dest; IPPORT_EPHEMERALFIRST 10000, LAST 65535")

    /// This machine: linux-6 with the range and reserved ports read from its sysctls.
    public static func host(_ snapshot: SysctlSnapshot) -> PortPersonality {
        var p = linux6
        if let r = snapshot.localPortRange { p.range = r }
        if let r = snapshot.reservedPorts { p.reserved = r }
        p.source = "linux-6 with this host's net.ipv4.ip_local_port_range and ip_local_reserved_ports"
        return p
    }

    /// A bare RFC 6056 allocator (`AllocatorKind.rfc6056`) over the range RFC 6056 §3.2 recommends.
    public static func rfc6056(_ allocator: AllocatorKind) -> PortPersonality {
        PortPersonality(range: range(1024, 65535), reserved: .none, allocator: allocator,
                        source: "RFC 6056 §3.3, range 1024-65535 per §3.2")
    }
}
