import Testing
import TCPWire
@testable import TCPStack

/// Linux 6.x receive window (Connection+ReceiveWindow.swift; net/ipv4/tcp_input.c, tcp_output.c). The numbers were
/// measured on Linux 6.18 over a TUN device: tcp_rmem 4096 540000 15728640, a peer MSS of 1000, no window scaling.
@Suite("Linux receive window")
struct LinuxReceiveWindowTests {
    private static func pair(windowScaling: Bool) throws -> Pair {
        var c = TCPConfiguration.linux6
        c.interfaceMTU = 1040
        c.timestamps = false
        c.receiveBufferDefault = 540_000
        // The peer's SYN carries no window scale option unless asked to.
        var client = c
        client.windowScaling = windowScaling
        return try Pair(c, client: client)
    }

    private func data(_ p: Pair, at offset: Int, _ count: Int, flags: TCPFlags = [.ack, .psh]) -> IPPacket {
        let tcb = p.serverTCB
        var packet = p.toServer(seq: tcb.irs.rawValue &+ 1 &+ UInt32(offset), ack: tcb.sndNxt.rawValue,
            flags: flags, window: 257, payload: [UInt8](repeating: 1, count: count))
        packet.fillChecksums()
        return packet
    }

    @Test func truesizeOfATunPacketIsItsKmallocSizeClassPlusTheSkBuff() {
        // __alloc_skb: 1040 bytes -> 1088 aligned + 320 shared info -> kmalloc-2048; SKB_TRUESIZE adds 256.
        #expect(LinuxReceiveMemory.truesize(packetBytes: 1040) == 2304)
        #expect(LinuxReceiveMemory.truesize(packetBytes: 1500) == 2304)
        #expect(LinuxReceiveMemory.truesize(packetBytes: 100) == 768)
        // tcp_measure_rcv_mss: 1000 << 8 / 2304; the live kernel's window clamp was 540000 * 111 >> 8 = 234140.
        #expect(LinuxReceiveMemory.scalingRatio(payload: 1000, packetBytes: 1040) == 111)
        #expect(LinuxReceiveMemory.window(fromSpace: 540_000, ratio: 111) == 234_140)
    }

    @Test func measuredRatioMovesTheClampAndRcvSsthreshToIt() throws {
        var p = try Self.pair(windowScaling: false)
        _ = p.injectToServer(data(p, at: 0, 1000))
        let tcb = p.serverTCB
        // tcp_set_window_clamp: the clamp rises from 65535 to the buffer at 111/256; rcv_ssthresh follows it up
        // to the window already offered (rcv_wnd 270000, whole though the field shows 65535).
        #expect(tcb.delack.scalingRatio == 111)
        #expect(tcb.delack.rcvSsthresh == 234_140)
        #expect(tcb.rcvWndAdvertised == 269_000)
    }

    @Test func dataWithFINWaitsForTheDelayedAckWhenTheSelectedWindowIsBelowTheOfferedOne() throws {
        // ioctl-siocinq-fin.pkt on Linux 6.18: tcp_fin enters pingpong mode, and __tcp_select_window (233000:
        // the measured ratio's space rounded down to rcv_mss) is below rcv_wnd (269000), so __tcp_ack_snd_check
        // leaves the ACK to the delayed-ACK timer (40 ms); the field still shows 65535.
        var p = try Self.pair(windowScaling: false)
        let irs = p.serverTCB.irs.rawValue
        #expect(p.injectToServer(data(p, at: 0, 1000)).map(\.tcp.acknowledgmentNumber) == [irs &+ 1001])
        #expect(try p.s.receive(p.server!, maxBytes: 1000, now: p.wire.now).count == 1000)
        #expect(p.s.takePackets().isEmpty)
        #expect(p.injectToServer(data(p, at: 1000, 1000, flags: [.ack, .psh, .fin])).isEmpty)
        p.s.advance(to: p.wire.now + .milliseconds(40))
        let ack = p.s.takePackets()
        #expect(ack.map(\.tcp.acknowledgmentNumber) == [irs &+ 2002])
        #expect(ack.map(\.tcp.window) == [65535])
    }

    @Test func rfc9293KeepsItsWindowRules() throws {
        var c = TCPConfiguration.rfc9293
        #expect(!c.linuxReceiveWindow)
        c.interfaceMTU = 1040
        let p = try Pair(c)
        #expect(p.serverTCB.delack.scalingRatio == LinuxReceiveMemory.defaultScalingRatio)
        #expect(p.serverTCB.rcvWndAdvertised <= 65535)
    }
}
