import TCPStack
import TCPWire
import Testing

/// IP_LOCAL_PORT_RANGE and IP_BIND_ADDRESS_NO_PORT: a socket's own say over its source port (Linux
/// net/ipv4/ip_sockglue.c, `inet_sk_get_local_port_range`, `inet_bind`).
@Suite struct LocalPortOptionsTests {
    /// `lo | hi << 16` for one port.
    static func only(_ port: UInt32) -> UInt32 { port | port << 16 }

    @Test func aSocketsOwnRangeDecidesConnectsSourcePort() throws {
        var p = try Pair(.linux6, connect: false)
        try p.c.setLocalPortRange(p.client, Self.only(57005))
        #expect(p.c.localPortOptions(of: p.client)?.range == 0xdead_dead)
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        #expect(p.c.localEndpoint(of: p.client)?.port == 57005)
    }

    @Test func aRangeWhoseOnlyPortHoldsTheFourTupleLeavesConnectNoAddress() throws {
        var p = try Pair(.linux6, connect: false)
        try p.c.setLocalPortRange(p.client, Self.only(57005))
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        p.wire.run()
        let second = p.c.socket()
        try p.c.setLocalPortRange(second, Self.only(57005))
        #expect(throws: SocketError.addressNotAvailable) { try p.c.connect(second, to: serverEndpoint, now: p.wire.now) }
        // Another range still connects.
        try p.c.setLocalPortRange(second, Self.only(57007))
        try p.c.connect(second, to: serverEndpoint, now: p.wire.now)
        #expect(p.c.localEndpoint(of: second)?.port == 57007)
    }

    @Test func aRangeWithItsLowAboveItsHighIsInvalid() throws {
        var p = try Pair(.linux6, connect: false)
        #expect(throws: SocketError.invalidArgument) { try p.c.setLocalPortRange(p.client, 40000 | 33000 << 16) }
        // A zero half means the host's bound: never inverted.
        try p.c.setLocalPortRange(p.client, 40000)
    }

    @Test func eachBoundOutsideTheHostsRangeFallsBackToTheHosts() throws {
        let host = try PortRange(lower: 32768, upper: 60999)
        var o = LocalPortOptions()
        o.range = 1000 | 40000 << 16
        #expect(o.effectiveRange(host: host) == (try PortRange(lower: 32768, upper: 40000)))
        o.range = 50000 | 65000 << 16
        #expect(o.effectiveRange(host: host) == (try PortRange(lower: 50000, upper: 60999)))
        o.range = 0
        #expect(o.effectiveRange(host: host) == nil)
    }

    @Test func bindAddressNoPortLeavesThePortToConnect() throws {
        var p = try Pair(.linux6, connect: false)
        try p.c.setBindAddressNoPort(p.client, true)
        try p.c.bind(p.client, to: Endpoint(clientAddress, 0))
        #expect(p.c.localEndpoint(of: p.client) == Endpoint(clientAddress, 0))
        try p.c.setLocalPortRange(p.client, Self.only(50001))
        try p.c.connect(p.client, to: serverEndpoint, now: p.wire.now)
        #expect(p.c.localEndpoint(of: p.client) == Endpoint(clientAddress, 50001))
    }

    @Test func withoutBindAddressNoPortBindTakesAPortAtOnce() throws {
        var p = try Pair(.linux6, connect: false)
        try p.c.bind(p.client, to: Endpoint(clientAddress, 0))
        #expect(p.c.localEndpoint(of: p.client)?.port != 0)
    }

    @Test func listenTakesThePortBindAddressNoPortLeft() throws {
        var p = try Pair(.linux6, connect: false)
        let l = p.c.socket()
        try p.c.setBindAddressNoPort(l, true)
        try p.c.bind(l, to: Endpoint(clientAddress, 0))
        try p.c.listen(l, backlog: 1)
        #expect(p.c.localEndpoint(of: l)?.address == clientAddress)
        #expect(p.c.localEndpoint(of: l)?.port != 0)
    }
}
