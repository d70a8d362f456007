#if canImport(Glibc)
import Glibc
#endif
import HostNet
import SelfConnectGuard
import Testing

// Ports: 31030-31039 and 41030-41033 belong to this file.
@Suite struct GuardLiveTests {
    /// A socket whose kernel-chosen source port can only be `port` (IP_LOCAL_PORT_RANGE of one port).
    func socketPinnedToSourcePort(_ port: UInt16) throws -> Int32 {
        let socket = try TCPSocket(family: AF_INET)
        try socket.setLocalPortRange(port...port)
        return socket.release()
    }

    @Test func guardedConnectThrowsWhenTheKernelPicksTheDestinationPort() throws {
        let fd = try socketPinnedToSourcePort(41030)
        let destination = SocketEndpoint(.v4(0x7f00_0001), 41030)
        #expect(throws: SelfConnectError.connectedToSelf(.v4(0x7f00_0001), 41030)) {
            _ = try guardedConnect(fd, to: destination)
        }
    }

    @Test func redialPolicyDialsAgainOnAFreshSocket() throws {
        // The fresh socket has no pinned range, so the redial gets another port and is refused: nothing listens.
        let fd = try socketPinnedToSourcePort(41032)
        let destination = SocketEndpoint(.v4(0x7f00_0001), 41032)
        #expect(throws: SelfConnectError.system(call: "connect", errno: ECONNREFUSED)) {
            _ = try guardedConnect(fd, to: destination, policy: .redial(retries: 2))
        }
    }

    @Test func guardedConnectPassesANormalConnection() throws {
        let listener = try TCPSocket(family: AF_INET6)
        try listener.bind(SocketEndpoint(.v6(high: 0, low: 1), 0))
        try listener.listen()
        let server = try listener.localEndpoint()
        let client = try TCPSocket(family: AF_INET6).release()
        let connected = try guardedConnect(client, to: server)
        defer { close(connected) }
        #expect(connected == client)
        #expect(try isSelfConnected(fd: connected) == false)
        #expect(try peerEndpoint(of: connected) == server)
    }

    @Test func aSocketBoundToTheDestinationOnPurposeIsLeftAlone() throws {
        let destination = SocketEndpoint(.v4(0x7f00_0001), 31033)
        let socket = try TCPSocket(family: AF_INET)
        try socket.setReuseAddress()
        try socket.bind(destination)
        let connected = try guardedConnect(socket.release(), to: destination)
        defer { close(connected) }
        #expect(try isSelfConnected(fd: connected))
    }
}

@Suite struct SelfConnectionCheckTests {
    @Test func aV4MappedAddressEqualsItsIPv4Form() throws {
        let mapped = try #require(SocketEndpoint(numericHost: "::ffff:127.0.0.1", port: 50000))
        let plain = try #require(SocketEndpoint(numericHost: "127.0.0.1", port: 50000))
        #expect(mapped.address == .v6(high: 0, low: 0xffff_7f00_0001))
        #expect(isSelfConnection(mapped, plain))
        #expect(isSelfConnection(plain, mapped))
    }

    @Test func differentPortsOrAddressesAreNotASelfConnection() throws {
        let a = try #require(SocketEndpoint(numericHost: "127.0.0.1", port: 50000))
        #expect(!isSelfConnection(a, SocketEndpoint(.v4(0x7f00_0001), 50002)))
        #expect(!isSelfConnection(a, SocketEndpoint(.v4(0x7f00_0002), 50000)))
        #expect(!isSelfConnection(SocketEndpoint(.v6(high: 0, low: 1), 50000), a))
    }

    @Test func endpointsPrintAsAddressColonPort() throws {
        #expect(try #require(SocketEndpoint(numericHost: "::1", port: 80)).description == "[::1]:80")
        #expect(SocketEndpoint(.v4(0x7f00_0001), 8080).description == "127.0.0.1:8080")
        #expect(SocketIP(ipv6Bytes: SocketIP.v4(0x0a00_0001).ipv6Bytes).description == "::ffff:10.0.0.1")
    }

    @Test func aNonNumericHostIsNotParsed() {
        #expect(SocketEndpoint(numericHost: "localhost", port: 1) == nil)
    }
}
