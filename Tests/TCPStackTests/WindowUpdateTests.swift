import Testing
import TCPStack
import TCPWire

@Suite struct WindowUpdateTests {
    /// Fills the server's window to within about 1 KB, without reading.
    private func nearlyFullPair() throws -> (Pair, window: Int) {
        var p = try Pair(.linux6)
        let window = TCPConfiguration.linux6.initialReceiveWindow(mss: TCPConfiguration.linux6.mss(ipv6: false))
        var sent = 0
        while sent < window - 1000 {
            sent += try p.wire.hosts[1].send(p.client, [UInt8](repeating: 7, count: min(16384, window - 1000 - sent)),
                now: p.wire.now)
            p.wire.run()
            p.wire.runTimers(until: .milliseconds(40))  // a delayed ACK frees the sender's buffer
        }
        return (p, window)
    }

    @Test func readingANearlyFullReceiveBufferAnnouncesTheReopenedWindow() throws {
        var (p, window) = try nearlyFullPair()
        let lastAdvertised = Int(p.wire.log.last { $0.source.address == serverAddress }!.tcp.window) << 10
        #expect(lastAdvertised <= 2048, "the server advertised \(lastAdvertised) before the read")
        let read = try p.wire.hosts[0].receive(p.server!, now: p.wire.now)
        #expect(read.count == window - 1000)
        let update = p.wire.hosts[0].takePackets()
        #expect(update.count == 1)
        #expect(update.first?.tcp.flags == .ack)
        #expect(update.first?.tcp.payload.isEmpty == true)
        #expect(Int(update.first?.tcp.window ?? 0) << 10 >= window - 1024)
    }

    @Test func readingASmallPartOfTheBufferSendsNoWindowUpdate() throws {
        var (p, _) = try nearlyFullPair()
        // 1000 bytes read: the window stays under twice what the peer may still send.
        _ = try p.wire.hosts[0].receive(p.server!, maxBytes: 1000, now: p.wire.now)
        #expect(p.wire.hosts[0].takePackets().isEmpty)
    }
}

@Suite struct AdvertisedWindowTests {
    @Test func dataUpToTheRoundedUpWindowEdgeIsTakenInFull() throws {
        var config = TCPConfiguration.linux6
        config.sendBufferSize = 1 << 20
        // The sender fills the window to its edge (Linux's would hold a last piece smaller than its segment).
        config.sendWholeSegmentsInWindow = false
        var p = try Pair(config)
        let capacity = Int(p.wire.log[1].tcp.window)  // the SYN-ACK's window: the server's whole buffer
        let clientISN = p.wire.log[0].tcp.sequenceNumber
        // 100 bytes first: the ACK's window (capacity - 100) rounds up to a whole 1024-byte unit.
        _ = try p.wire.hosts[1].send(p.client, [UInt8](repeating: 1, count: 100), now: p.wire.now)
        p.wire.run()
        _ = try p.wire.hosts[1].send(p.client, [UInt8](repeating: 1, count: 100_000), now: p.wire.now)
        p.wire.run()
        // The right edge the server promised in its ACK of the first 100 bytes (ACK + window << 10).
        let firstAck = try #require(p.wire.log.first { $0.source.address == serverAddress && $0.tcp.flags == .ack })
        let edge = Int(firstAck.tcp.acknowledgmentNumber &- clientISN &- 1) + Int(firstAck.tcp.window) << 10
        #expect(edge > capacity, "rounding up must promise more than the capacity \(capacity), got \(edge)")
        let read = try p.wire.hosts[0].receive(p.server!, now: p.wire.now)
        // Everything up to the promised edge was taken, and no more than one scale unit past the capacity.
        #expect(read.count >= edge)
        #expect(read.count <= capacity + 1024)
    }
}
