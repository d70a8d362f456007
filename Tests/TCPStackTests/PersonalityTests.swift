import Testing
import TCPStack
import TCPWire

/// Personalities: the SYN each one sends (as TCPWire's tcdump printer shows it), the host personality built
/// from sysctl text, and XNU's connect()-time refusal.
@Suite struct PersonalityTests {
    /// The first SYN of an unbound connect() to `remote`, printed by `TcpdumpPrinter`, with the timestamp value
    /// (clock-dependent) replaced by `_`.
    func synLine(_ p: Personality, to remote: Endpoint = Endpoint(v4, 50000)) throws -> String {
        var h = HostStack(addresses: [v4, v6], personality: p, seed: 7)
        let s = h.socket()
        try h.connect(s, to: remote, now: .milliseconds(5000))
        let syn = try #require(h.takePackets().first)
        var printer = TcpdumpPrinter()
        let line = printer.line(for: syn, at: PcapTimestamp(seconds: 0))
        let tsValue = syn.tcp.options.timestamps.map { "TS val \($0.value) " } ?? "TS val - "
        return line.replacing(tsValue, with: "TS val _ ")
    }

    @Test(arguments: [
        ("linux-3.10", "win 43690, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 7], length 0"),
        ("linux-4.6", "win 43690, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 7], length 0"),
        ("linux-6", "win 65495, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 10], length 0"),
        ("rfc9293", "win 65535, options [mss 65495], length 0"),
        ("xnu", "win 65535, options [mss 16344,nop,wscale 6,nop,nop,TS val _ ecr 0,sackOK,eol], length 0"),
        ("freebsd", "win 65535, options [mss 16344,nop,wscale 6,sackOK,TS val _ ecr 0], length 0"),
        ("linux-hardened", "win 65495, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 10], length 0"),
    ])
    func eachPersonalitySendsItsSystemsSYN(name: String, expected: String) throws {
        let line = try synLine(try Personality.named(name))
        #expect(line.hasSuffix(expected), "\(name): \(line)")
        #expect(line.contains("Flags [S], seq "), "\(name): \(line)")
    }

    @Test func ipv6SYNsCarryTheIPv6MSS() throws {
        #expect(try synLine(.linux6, to: Endpoint(v6, 50000)).contains("options [mss 65476,"))
        #expect(try synLine(.xnu, to: Endpoint(v6, 50000)).contains("options [mss 16324,"))
    }

    @Test func unknownNamesAreATypedErrorListingTheKnownOnes() throws {
        var caught: UnknownPersonality?
        do { _ = try Personality.named("windows") } catch { caught = error }
        let error = try #require(caught)
        #expect(error.name == "windows" && !error.needsSnapshot)
        #expect(error.description
            == "unknown personality 'windows' (one of: linux-3.10, linux-4.6, linux-6, rfc9293, xnu, freebsd, linux-hardened, host)")
        #expect(throws: UnknownPersonality.self) { try Personality.named("host") }
        #expect(try Personality.named("host", host: SysctlSnapshot()).name == "host")
    }

    /// The catalogue's names, in order, and the two connect() rules, each stored once on the TCP side.
    @Test func catalogueNamesAndConnectRules() throws {
        #expect(Personality.catalog.map(\.name) == ["linux-3.10", "linux-4.6", "linux-6", "rfc9293", "xnu", "freebsd", "linux-hardened"])
        #expect(Personality.catalog.filter(\.refusesIPv4SelfConnect).map(\.name) == ["xnu"])
        #expect(Personality.catalog.filter { !$0.simultaneousConnect }.map(\.name) == ["linux-hardened"])
        var renamed = Personality.linux6
        renamed.name = "mine"
        #expect(renamed.tcp.name == "mine")
        #expect(try Personality.catalogued("xnu").tcp.name == "xnu")
        #expect(throws: UnknownPersonality(name: "host", known: Personality.catalog.map(\.name), needsSnapshot: false)) {
            try Personality.catalogued("host")
        }
    }

    // MARK: host

    /// The sysctls recorded with the 6.18 reference captures (reference/linux-6.18-loopback/scenarios.json).
    static let reference618: [String: String] = [
        "net.ipv4.ip_local_port_range": "32768\t60999", "net.ipv4.tcp_rmem": "4096\t131072\t33554432",
        "net.ipv4.tcp_wmem": "4096\t16384\t4194304", "net.ipv4.tcp_timestamps": "1", "net.ipv4.tcp_sack": "1",
        "net.ipv4.tcp_dsack": "1", "net.ipv4.tcp_window_scaling": "1", "net.ipv4.tcp_invalid_ratelimit": "500",
        "net.ipv4.tcp_ecn": "2", "net.ipv4.tcp_congestion_control": "bbr", "net.ipv4.tcp_syn_retries": "6",
    ]

    @Test func hostFromTheReferenceSysctlsIsLinux6() throws {
        let p = Personality.host(try SysctlSnapshot(parsing: Self.reference618))
        let l6 = TCPConfiguration.linux6
        #expect(p.tcp.receiveBufferDefault == 131072 && p.tcp.receiveBufferMax == 33_554_432)
        #expect(p.tcp.receiveWindowScale == 10)
        #expect(p.tcp.initialReceiveWindow(mss: 65495) == 65495)
        #expect(p.tcp.sendBufferSize == l6.sendBufferSize)
        #expect(p.tcp.timestamps && p.tcp.randomTimestampOffset && p.tcp.sack && p.tcp.dsack && p.tcp.windowScaling)
        #expect(p.tcp.synRetries == 6 && p.tcp.challengeAckInterval == .milliseconds(500))
        #expect(p.tcp.challengeAckLimitPerSecond == l6.challengeAckLimitPerSecond)
        #expect(p.ports.range == PortPersonality.linux6.range)
        #expect(try synLine(p).hasSuffix("win 65495, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 10], length 0"))
    }

    /// Linux: window = tcp_rmem[1] / 2, rounded down to the MSS only when larger; wscale = ilog2(space) - 15
    /// with space = max(tcp_rmem[2], rmem_max).
    @Test func hostReceiveBuffersSetWindowAndScaleAsLinuxDoes() throws {
        // 87380 / 2 = 43690 (< MSS: not rounded); 6291456 is 1.5 * 2^22: ilog2 22, wscale 7.
        var p = Personality.host(try SysctlSnapshot(parsing: ["net.ipv4.tcp_rmem": "4096 87380 6291456"]))
        #expect(try synLine(p).hasSuffix("win 43690, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 7], length 0"))
        // 2^20: wscale 5; rmem_max 2^22 wins: 7.
        p = Personality.host(try SysctlSnapshot(parsing: ["net.ipv4.tcp_rmem": "4096 131072 1048576"]))
        #expect(p.tcp.receiveWindowScale == 5)
        p = Personality.host(try SysctlSnapshot(parsing: [
            "net.ipv4.tcp_rmem": "4096 131072 1048576", "net.core.rmem_max": "4194304",
        ]))
        #expect(p.tcp.receiveWindowScale == 7)
        // 262144 / 2 = 131072, rounded down to a multiple of 65495: 130990; the SYN field caps at 65535.
        // 16777216 = 2^24: wscale 9.
        p = Personality.host(try SysctlSnapshot(parsing: ["net.ipv4.tcp_rmem": "4096 262144 16777216"]))
        #expect(p.tcp.initialReceiveWindow(mss: 65495) == 130990)
        #expect(try synLine(p).hasSuffix("win 65535, options [mss 65495,sackOK,TS val _ ecr 0,nop,wscale 9], length 0"))
    }

    @Test func hostSwitchesOptionsOffAsItsSysctlsSay() throws {
        let p = Personality.host(try SysctlSnapshot(parsing: [
            "net.ipv4.tcp_window_scaling": "0", "net.ipv4.tcp_sack": "0", "net.ipv4.tcp_timestamps": "2",
            "net.ipv4.tcp_invalid_ratelimit": "0", "net.ipv4.tcp_challenge_ack_limit": "100",
            "net.ipv4.tcp_syn_retries": "2", "net.ipv4.tcp_wmem": "4096 65536 4194304",
        ]))
        #expect(try synLine(p).hasSuffix("win 65495, options [mss 65495,nop,nop,TS val _ ecr 0], length 0"))
        #expect(p.tcp.timestamps && !p.tcp.randomTimestampOffset)
        #expect(p.tcp.challengeAckInterval == nil && p.tcp.challengeAckLimitPerSecond == 100)
        #expect(p.tcp.synRetries == 2 && p.tcp.sendBufferSize == 65536)
    }

    // MARK: self-connect per personality

    /// bind(P), connect(P) on the host's own address, send a line, read it back.
    func boundSelfConnect(_ p: Personality, address: IPAddress) throws(SocketError) -> (TestWire, SocketID, [UInt8]) {
        var wire = TestWire(HostStack(addresses: [v4, v6], personality: p, seed: 3))
        let s = wire.hosts[0].socket()
        try wire.hosts[0].bind(s, to: Endpoint(address, 40000))
        try wire.hosts[0].connect(s, to: Endpoint(address, 40000), now: wire.now)
        wire.run()
        _ = try wire.hosts[0].send(s, Array("test1\r\n".utf8), now: wire.now)
        wire.run()
        return (wire, s, try wire.hosts[0].receive(s, now: wire.now))
    }

    @Test(arguments: ["linux-3.10", "linux-4.6", "linux-6", "rfc9293", "xnu", "freebsd"])
    func boundSelfConnectReachesEstablishedAndEchoes(name: String) throws {
        let p = try Personality.named(name)
        for address in p.tcp.refusesIPv4SelfConnect ? [v6] : [v4, v6] {
            let (wire, s, echoed) = try boundSelfConnect(p, address: address)
            #expect(wire.hosts[0].state(of: s) == .established, "\(name) \(address)")
            #expect(wire.states(of: s).contains(.synReceived), "\(name): simultaneous open")
            #expect(echoed == Array("test1\r\n".utf8), "\(name) \(address)")
        }
    }

    @Test func xnuRefusesAnIPv4SelfConnectAtConnectWithEINVALBeforeAnySegment() throws {
        var h = HostStack(addresses: [v4, v6], personality: .xnu, seed: 3)
        let s = h.socket()
        try h.bind(s, to: Endpoint(v4, 40000))
        #expect(throws: SocketError.invalidArgument) { try h.connect(s, to: Endpoint(v4, 40000), now: .zero) }
        #expect(h.takePackets().isEmpty)
        #expect(h.state(of: s) == .closed)
        // Only the equal endpoints are refused: the next port gets its SYN out.
        try h.connect(s, to: Endpoint(v4, 40001), now: .zero)
        #expect(h.takePackets().count == 1 && h.state(of: s) == .synSent)
    }

    @Test func xnuRefusesTheUnboundConnectThatDrawsItsOwnPort() throws {
        // The telnet loop: connect() to 127.0.0.1:50000 again and again. XNU's allocator walks 49152-65535
        // sequentially, so within one lap an attempt draws 50000 itself; that connect() fails with EINVAL.
        var h = HostStack(addresses: [v4, v6], personality: .xnu, seed: 11)
        let target = Endpoint(v4, 50000)
        var refusedAt: Int?
        for attempt in 1...16384 where refusedAt == nil {
            let s = h.socket()
            do {
                try h.connect(s, to: target, now: .zero)
                #expect(h.localEndpoint(of: s) != target)
                #expect(h.takePackets().count == 1)
            } catch {
                #expect(error == .invalidArgument)
                #expect(h.takePackets().isEmpty)
                refusedAt = attempt
            }
            try h.abort(s, now: .zero)
        }
        #expect(refusedAt != nil)
    }

    @Test func linuxPresetsKeepTheLinuxLayoutAndHalfBuffer() {
        for c in [TCPConfiguration.linux310, .linux46, .linux6, .rfc9293] {
            #expect(c.synOptionLayout == .linux && c.windowIsHalfTheReceiveBuffer && !c.refusesIPv4SelfConnect)
        }
        #expect(TCPConfiguration.xnu.timeWaitDuration == .seconds(30))
        #expect(TCPConfiguration.freebsd.timeWaitDuration == .seconds(60))
        #expect(TCPConfiguration.linux46.challengeAckInterval == .milliseconds(500))
        #expect(TCPConfiguration.linux310.challengeAckInterval == nil)
    }
}
