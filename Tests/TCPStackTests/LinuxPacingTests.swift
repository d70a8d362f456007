import Testing
import TCPWire
@testable import TCPStack

/// Linux pacing rate and TSO packet sizing (net/ipv4/tcp_input.c `tcp_update_pacing_rate`, tcp_output.c
/// `tcp_tso_autosize`): a passive open whose handshake took 100 ms, on a device with TSO (64 KiB segments).
@Suite("Linux pacing and TSO autosizing")
struct LinuxPacingTests {
    private static let peer = Endpoint(.v4(IPv4Address(192, 0, 2, 1)), 5000)
    private static let local = Endpoint(.v4(IPv4Address(192, 168, 0, 1)), 8080)

    /// A connection accepted at 0.2 s from a SYN at 0.1 s (MSS `mss`, wscale 7), with `segmentOffloadBytes`.
    private static func accepted(mss: UInt16, _ configure: (inout TCPConfiguration) -> Void = { _ in })
        throws -> (HostStack, SocketID, UInt32)
    {
        var config = TCPConfiguration.linux6
        config.interfaceMTU = 1500
        config.timestamps = false
        config.segmentOffloadBytes = 65535 - 20 - 60
        configure(&config)
        var host = HostStack(addresses: [local.address], configuration: config, seed: 3)
        let listener = host.socket()
        try host.bind(listener, to: local)
        try host.listen(listener, backlog: 1)
        var options = TCPOptions()
        try options.append(.maxSegmentSize(mss))
        try options.append(.sackPermitted)
        try options.append(.noOperation)
        try options.append(.windowScale(7))
        var syn = IPPacket(from: peer.address, to: local.address, tcp: TCPSegment(
            sourcePort: peer.port, destinationPort: local.port, sequenceNumber: 0, flags: .syn, window: 32792,
            options: options))
        syn.fillChecksums()
        host.receive(syn, now: .milliseconds(100))
        let iss = try #require(host.takePackets().first).tcp.sequenceNumber
        var ack = IPPacket(from: peer.address, to: local.address, tcp: TCPSegment(
            sourcePort: peer.port, destinationPort: local.port, sequenceNumber: 1, acknowledgmentNumber: iss &+ 1,
            flags: .ack, window: 500))
        ack.fillChecksums()
        host.receive(ack, now: .milliseconds(200))
        let id = try host.accept(listener)
        try host.setSendBufferSize(id, 200_000)
        return (host, id, iss)
    }

    @Test func pacingRateIsTwiceCwndTimesMSSOverSRTTInSlowStart() throws {
        // tcp_update_pacing_rate: 10 x 1460 bytes per 100 ms at tcp_pacing_ss_ratio 200 %.
        var (host, id, _) = try Self.accepted(mss: 1460)
        _ = try host.send(id, [UInt8](repeating: 7, count: 1460), now: .milliseconds(200))
        let packet = try #require(host.takePackets().first)
        #expect(host.pacingRate(of: packet) == 292_000)
    }

    @Test func pacingRatioFollowsTheSysctl() throws {
        var (host, id, _) = try Self.accepted(mss: 1460) { $0.pacingSlowStartRatio = 100 }
        _ = try host.send(id, [UInt8](repeating: 7, count: 1460), now: .milliseconds(200))
        let packet = try #require(host.takePackets().first)
        #expect(host.pacingRate(of: packet) == 146_000)
    }

    @Test func tsoPacketsCarryAboutAMillisecondOfThePacingRateAtLeastMinTSOSegs() throws {
        // tcp_tso_autosize: 292000 >> 10 = 285 bytes, under one MSS, so tcp_min_tso_segs (2) MSS per packet:
        // the initial window of 10 MSS leaves as five packets of 2920 bytes, not one of 14600.
        var (host, id, _) = try Self.accepted(mss: 1460)
        _ = try host.send(id, [UInt8](repeating: 7, count: 40_000), now: .milliseconds(200))
        #expect(host.takePackets().map(\.tcp.payload.count) == [2920, 2920, 2920, 2920, 2920])
        var (three, id3, _) = try Self.accepted(mss: 1460) { $0.minTSOSegments = 3 }
        _ = try three.send(id3, [UInt8](repeating: 7, count: 40_000), now: .milliseconds(200))
        #expect(three.takePackets().map(\.tcp.payload.count) == [4380, 4380, 4380, 1460])
    }

    @Test func withoutAutosizingTheDeviceLimitSizesThePacket() throws {
        var (host, id, _) = try Self.accepted(mss: 1460) { $0.tsoAutosize = false }
        _ = try host.send(id, [UInt8](repeating: 7, count: 40_000), now: .milliseconds(200))
        #expect(host.takePackets().map(\.tcp.payload.count) == [14600])
    }
}
