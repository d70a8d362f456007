import TCPWire

/// The personality catalogue: a named bundle of every default a system brings to self-connect, the engine's TCP
/// behaviour (`tcp`: MSS, SYN option layout, buffers and window scale, timestamps, SACK/D-SACK, challenge ACKs and
/// rate limits, RTO bounds, TIME-WAIT, SYN retries, connect() rules) and the port side (`ports`: range, reserved
/// ports, allocator).
///
/// Each fact is stored once. The name is the TCP preset's (`TCPConfiguration.name`); the connect() rules
/// (`refusesIPv4SelfConnect`, `simultaneousConnect`) are the TCP preset's too; the port side holds only ports.
/// Every entry point (`simulate`, `odds`, `script`, the packetdrill plugin, NetSim) takes its names, the list
/// shown in help and errors, and the presets from here. Each preset documents its sources where it is defined
/// (`TCPConfiguration`, `PortPersonality`).
public struct Personality: Sendable {
    /// The name `--personality` takes, e.g. `linux-6`: the TCP preset's name.
    public var name: String {
        get { tcp.name }
        set { tcp.name = newValue }
    }
    /// One line: what it models.
    public var summary: String
    /// The engine's TCP behaviour, connect() rules included.
    public var tcp: TCPConfiguration
    /// The port side: range, reserved ports, allocator.
    public var ports: PortPersonality

    /// A personality from its parts, named after `tcp`; the presets below are built with this.
    public init(summary: String, tcp: TCPConfiguration, ports: PortPersonality) {
        self.summary = summary
        self.tcp = tcp
        self.ports = ports
    }

    /// connect() fails with EINVAL when the IPv4 local address and port equal the remote ones (the TCP side's
    /// `refusesIPv4SelfConnect`).
    public var refusesIPv4SelfConnect: Bool { tcp.refusesIPv4SelfConnect }
    /// Crossing SYNs open the connection (the TCP side's `simultaneousConnect`).
    public var simultaneousConnect: Bool { tcp.simultaneousConnect }

    /// The article's kernel: sequential ports, `win 43690`, `wscale 7`, challenge ACK in SYN_RECV.
    public static let linux310 = Personality(
        summary: "the article's kernel: sequential ports, win 43690 wscale 7",
        tcp: .linux310, ports: .linux310)
    /// Linux 4.6: connect() prefers even ports; per-socket challenge-ACK limit.
    public static let linux46 = Personality(
        summary: "even ports first for connect(), 3.10's buffers, 500 ms ACK rate limit",
        tcp: .linux46, ports: .linux46)
    /// Linux 6.x as recorded on 6.18: perturbed even-first ports, `win 65495`, `wscale 10`, D-SACK.
    public static let linux6 = Personality(
        summary: "the reference 6.18 captures: random even steps, win 65495 wscale 10",
        tcp: .linux6, ports: .linux6)
    /// The plain RFCs: RFC 9293 with RFC 5961, MSS only, RFC 6056 algorithm 3 ports.
    public static let rfc9293 = Personality(
        summary: "plain RFC 9293 (+RFC 5961): MSS option only, RFC 6056 alg. 3 ports",
        tcp: .rfc9293, ports: .rfc9293)
    /// macOS: IPv4 self-connect refused by connect() with EINVAL; IPv6 allowed.
    public static let xnu = Personality(
        summary: "macOS: connect() refuses an IPv4 self-connect (EINVAL), IPv6 allowed",
        tcp: .xnu, ports: .xnu)
    /// FreeBSD: random-start sequential ports over 10000-65535, BSD option layout.
    public static let freebsd = Personality(
        summary: "FreeBSD: RFC 6056 alg. 1 ports 10000-65535, mss,nop,wscale,sackOK,TS",
        tcp: .freebsd, ports: .freebsd)

    /// linux-hardened: linux-6 with `net.ipv4.tcp_simult_connect = 0`: a SYN in SYN-SENT is dropped, so the
    /// self-connect attempt retransmits its SYN and times out (commit fc4ae211c1ec).
    public static let linuxHardened = Personality(
        summary: "linux-6 with tcp_simult_connect=0: crossing SYNs dropped, never self-connects",
        tcp: .linuxHardened, ports: .linux6)

    /// The built-in personalities, the article's kernel first. `host` is not here: it needs a snapshot.
    public static let catalog: [Personality] = [linux310, linux46, linux6, rfc9293, xnu, freebsd, linuxHardened]

    /// The name of `host(_:)`, this machine's personality.
    public static let hostName = "host"

    /// Every name `named(_:host:)` accepts: the catalog and "host".
    public static var names: [String] { catalog.map(\.name) + [hostName] }

    /// The catalog entry called `name` ("host" is not one: it needs a snapshot).
    public static func catalogued(_ name: String) throws(UnknownPersonality) -> Personality {
        guard let p = catalog.first(where: { $0.name == name }) else {
            throw UnknownPersonality(name: name, known: catalog.map(\.name), needsSnapshot: false)
        }
        return p
    }

    /// A personality by name. "host" is `host(snapshot)` and needs the snapshot (the caller reads the sysctls:
    /// TCPStack does no I/O).
    public static func named(_ name: String, host snapshot: SysctlSnapshot? = nil) throws(UnknownPersonality)
        -> Personality
    {
        if name == hostName {
            guard let snapshot else { throw UnknownPersonality(name: name, known: names, needsSnapshot: true) }
            return host(snapshot)
        }
        do { return try catalogued(name) } catch {
            throw UnknownPersonality(name: name, known: names, needsSnapshot: false)
        }
    }
}

/// `Personality.named` was given a name it does not know (or "host" without a snapshot).
public struct UnknownPersonality: Error, Hashable, Sendable, CustomStringConvertible {
    /// The name that was asked for.
    public var name: String
    /// Every name that would have been accepted.
    public var known: [String]
    /// True when the name was "host" and no sysctl snapshot was given.
    public var needsSnapshot: Bool

    /// The error for `name`, listing the `known` names; `needsSnapshot` when the name was "host" without sysctls.
    public init(name: String, known: [String], needsSnapshot: Bool) {
        self.name = name
        self.known = known
        self.needsSnapshot = needsSnapshot
    }

    /// One line, for a CLI's error message.
    public var description: String {
        needsSnapshot
            ? "personality 'host' needs this machine's sysctls"
            : "unknown personality '\(name)' (one of: \(known.joined(separator: ", ")))"
    }
}

extension HostStack {
    /// A host with a personality's TCP behaviour and its port allocator (seeded from `seed`).
    public init(addresses: [IPAddress], personality: Personality, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let allocator = personality.ports.makeAllocator(random: &random)
        self.init(
            addresses: addresses, configuration: personality.tcp, portAllocator: allocator, seed: random.next())
    }
}
