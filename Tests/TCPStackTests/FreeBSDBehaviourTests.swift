import Testing
import TCPWire
@testable import TCPStack

/// Where FreeBSD's TCP differs from Linux and the plain RFC, as the FreeBSD tcp-testsuite shows it.
@Suite("FreeBSD personality behaviour")
struct FreeBSDBehaviourTests {
    /// On a 1500-byte link, as packetdrill's tun device.
    static var freebsd1500: TCPConfiguration {
        var c = TCPConfiguration.freebsd
        c.interfaceMTU = 1500
        return c
    }

    @Test func theReceiveBufferGrowsToWholeSegmentsOnceTheMSSIsKnown() throws {
        let p = try Pair(Self.freebsd1500)
        // tcp_mss: roundup(65536, 1460) = 45 x 1460, on both ends of the handshake.
        #expect(p.s.receiveBufferSize(of: p.server!) == 65700)
        #expect(p.c.receiveBufferSize(of: p.client) == 65700)
        // Before the handshake the listener keeps recvspace.
        #expect(p.s.receiveBufferSize(of: p.listener) == 65536)
    }

    @Test func linuxDoesNotRoundItsReceiveBuffer() throws {
        var linux = TCPConfiguration.linux6
        linux.interfaceMTU = 1500
        let p = try Pair(linux)
        #expect(p.s.receiveBufferSize(of: p.server!) == linux.receiveBufferDefault)
    }
}
