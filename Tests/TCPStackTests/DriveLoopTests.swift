import Testing
import TCPStack
import TCPWire

/// `DriveLoop`, the loop every driver runs: own packets loop back, packets no host owns wait in `outbound`,
/// packets between hosts move first in, first out, and time moves to the (tick-rounded) next deadline.
@Suite struct DriveLoopTests {
    let here = Endpoint(v4, 40000)

    @Test func aBoundSelfConnectLoopsItsOwnPacketsBackAndIsEstablishedAfterOneFlush() throws {
        var loop = DriveLoop(host(.linux6, [v4]))
        let s = loop.hosts[0].socket()
        try loop.hosts[0].bind(s, to: here)
        try loop.hosts[0].connect(s, to: here, now: loop.now)
        var flags: [TCPFlags] = []
        loop.flush { packet in
            flags.append(packet.tcp.flags)
            return true
        }
        #expect(flags.prefix(2) == [.syn, .synAck])
        #expect(loop.hosts[0].state(of: s) == .established)
        #expect(loop.hosts[0].remoteEndpoint(of: s) == here)
        #expect(loop.outbound.isEmpty)
        #expect(loop.takeEvents() == [.connected(s)])
    }

    @Test func aPacketToTheLoopbackNetworkStaysOnItsSenderEvenWhenNoHostOwnsTheAddress() {
        #expect(DriveLoop<HostStack>.staysOnHost(.v4(IPv4Address(127, 0, 0, 5)), addresses: [clientAddress]))
        #expect(DriveLoop<HostStack>.staysOnHost(.v6(.loopback), addresses: []))
        #expect(DriveLoop<HostStack>.staysOnHost(clientAddress, addresses: [clientAddress]))
        #expect(!DriveLoop<HostStack>.staysOnHost(serverAddress, addresses: [clientAddress]))
    }

    @Test func packetsToAnAddressNoHostOwnsWaitInOutboundAndTimersResendThem() throws {
        var loop = DriveLoop(host(.linux6, [clientAddress]), now: .milliseconds(5_000))
        let s = loop.hosts[0].socket()
        try loop.hosts[0].connect(s, to: serverEndpoint, now: loop.now)
        loop.flush()
        let first = loop.takeOutbound()
        #expect(first.map(\.tcp.flags) == [.syn])
        #expect(first.first?.destination == serverEndpoint)
        // The SYN's retransmission timer: linux-6's initial RTO is 1 s.
        #expect(loop.nextDeadline == .milliseconds(6_000))
        let steps = loop.runTimers(until: .milliseconds(6_500))
        #expect(steps == 1)
        #expect(loop.now == .milliseconds(6_000))
        #expect(loop.takeOutbound().map(\.tcp.sequenceNumber) == first.map(\.tcp.sequenceNumber))
    }

    @Test func aDeadlineIsRoundedUpToTheTickAndNeverBeforeNow() throws {
        var loop = DriveLoop(host(.linux6, [clientAddress]), now: Instant(nanoseconds: 1), tick: .microseconds(1))
        let s = loop.hosts[0].socket()
        try loop.hosts[0].connect(s, to: serverEndpoint, now: loop.now)
        loop.flush()
        #expect(loop.hosts[0].nextDeadline == Instant(nanoseconds: 1_000_000_001))
        #expect(loop.nextDeadline == Instant(nanoseconds: 1_000_001_000))
        loop.now = .milliseconds(2_000)
        #expect(loop.nextDeadline == .milliseconds(2_000))
    }

    @Test func twoHostsHandshakeThroughTheLoopInFirstInFirstOutOrder() throws {
        var loop = DriveLoop(hosts: [host(.linux6, [serverAddress]), host(.linux6, [clientAddress])])
        let listener = loop.hosts[0].socket()
        try loop.hosts[0].bind(listener, to: serverEndpoint)
        try loop.hosts[0].listen(listener, backlog: 1)
        let c = loop.hosts[1].socket()
        try loop.hosts[1].connect(c, to: serverEndpoint, now: loop.now)
        var path: [(from: IPAddress, flags: TCPFlags)] = []
        loop.flush { packet in
            path.append((packet.source.address, packet.tcp.flags))
            return true
        }
        #expect(path.map { $0.from } == [clientAddress, serverAddress, clientAddress])
        #expect(path.map { $0.flags } == [.syn, .synAck, .ack])
        #expect(loop.hosts[1].state(of: c) == .established)
        let child = try loop.hosts[0].accept(listener)
        #expect(loop.hosts[0].state(of: child) == .established)
    }

    @Test func aFlushCarriesAtMostMaxPacketsPerFlushAndTheNextFlushGoesOn() throws {
        var loop = DriveLoop(host(.linux6, [v4]))
        loop.maxPacketsPerFlush = 1
        let s = loop.hosts[0].socket()
        try loop.hosts[0].bind(s, to: here)
        try loop.hosts[0].connect(s, to: here, now: loop.now)
        loop.flush()
        // Only the SYN was carried: simultaneous open, the SYN-ACK waits.
        #expect(loop.hosts[0].state(of: s) == .synReceived)
        loop.maxPacketsPerFlush = 100
        loop.flush()
        #expect(loop.hosts[0].state(of: s) == .established)
    }

    @Test func aCarrierThatReturnsFalseLosesThePacket() throws {
        var loop = DriveLoop(hosts: [host(.linux6, [serverAddress]), host(.linux6, [clientAddress])])
        let c = loop.hosts[1].socket()
        try loop.hosts[1].connect(c, to: serverEndpoint, now: loop.now)
        var lost = 0
        loop.flush { _ in
            lost += 1
            return false
        }
        #expect(lost == 1)
        #expect(loop.hosts[1].state(of: c) == .synSent)
        #expect(loop.outbound.isEmpty)
    }
}
