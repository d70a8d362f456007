import Testing
import TCPWire
@testable import TCPStack

/// The client side of TCP Fast Open (RFC 7413; Linux tcp_fastopen_defer_connect, tcp_rcv_fastopen_synack,
/// tcp_send_syn_data's fallback): the test plays the server by hand.
@Suite("Engine TCP Fast Open client")
struct FastOpenClientTests {
    static let request = TCPOption.unknown(kind: 34, data: [])
    static let cookie: [UInt8] = [0xab, 0xcd, 0x12, 0x34]

    func fastOpenOptions(_ p: IPPacket) -> [TCPOption] {
        p.tcp.options.filter { if case .unknown(34, _) = $0 { true } else { false } }
    }

    /// A SYN-ACK to `syn`, with `options` after the MSS.
    func synAck(to syn: IPPacket, options: [TCPOption]) throws -> IPPacket {
        let o = try TCPOptions([.maxSegmentSize(1460)] + options)
        return IPPacket(from: serverAddress, to: clientAddress, tcp: TCPSegment(
            sourcePort: 80, destinationPort: syn.tcp.sourcePort, sequenceNumber: 5000,
            acknowledgmentNumber: syn.tcp.sequenceNumber &+ 1, flags: .synAck, window: 14600, options: o))
    }

    @Test func aFirstConnectAsksForACookieAndCachesTheOneTheSynAckBrings() throws {
        var h = host(.linux6, [clientAddress])
        let a = h.socket()
        try h.setFastOpenConnect(a, 1)
        try h.connect(a, to: serverEndpoint, now: .zero)
        let syn = try #require(h.takePackets().first)
        // The cookie request (an empty option) then nops to a 4-byte boundary (Linux tcp_options_write).
        #expect(fastOpenOptions(syn) == [Self.request])
        #expect(syn.tcp.options.count % 4 == 0)
        h.receive(try synAck(to: syn, options: [.noOperation, .noOperation, .unknown(kind: 34, data: Self.cookie)]), now: .zero)
        #expect(h.state(of: a) == .established)
        #expect(h.fastOpenCookie(for: serverAddress) == Self.cookie)
    }

    @Test func withACookieConnectDefersTheSynToTheFirstWrite() throws {
        var h = host(.linux6, [clientAddress])
        let a = h.socket()
        try h.setFastOpenConnect(a, 1)
        try h.connect(a, to: serverEndpoint, now: .zero)
        let syn = try #require(h.takePackets().first)
        h.receive(try synAck(to: syn, options: [.unknown(kind: 34, data: Self.cookie)]), now: .zero)
        _ = h.takePackets()
        let b = h.socket()
        try h.setFastOpenConnect(b, 1)
        try h.connect(b, to: serverEndpoint, now: .zero)
        #expect(h.takePackets().isEmpty)
        #expect(h.isConnectDeferred(b))
        #expect(h.nextDeadline == nil)
        // The write's buffer faults: a SYN with a cookie request goes out and the call reports EINPROGRESS.
        #expect(throws: SocketError.inProgress) { try h.fastOpenWriteFaults(b, to: nil, now: .milliseconds(5)) }
        let late = h.takePackets()
        #expect(late.count == 1 && late[0].tcp.flags == .syn && fastOpenOptions(late[0]) == [Self.request])
        #expect(!h.isConnectDeferred(b))
    }

    @Test func msgFastOpenOnAnUnconnectedSocketConnectsWithACookieRequest() throws {
        var h = host(.linux6, [clientAddress])
        let a = h.socket()
        #expect(throws: SocketError.inProgress) { try h.fastOpenWriteFaults(a, to: serverEndpoint, now: .zero) }
        let syn = try #require(h.takePackets().first)
        #expect(h.state(of: a) == .synSent)
        #expect(fastOpenOptions(syn) == [Self.request])
    }

    @Test func aRetransmittedSynAndAPlainConnectCarryNoFastOpenOption() throws {
        var h = host(.linux6, [clientAddress])
        let a = h.socket()
        try h.setFastOpenConnect(a, 1)
        try h.connect(a, to: serverEndpoint, now: .zero)
        _ = h.takePackets()
        h.advance(to: try #require(h.nextDeadline))
        let retry = try #require(h.takePackets().first)
        #expect(retry.tcp.flags == .syn && fastOpenOptions(retry).isEmpty)
        let b = h.socket()
        try h.connect(b, to: serverEndpoint, now: .zero)
        let plain = try #require(h.takePackets().first)
        #expect(fastOpenOptions(plain).isEmpty)
        // A cookie nobody asked for is not cached.
        h.receive(try synAck(to: plain, options: [.unknown(kind: 34, data: Self.cookie)]), now: .zero)
        #expect(h.state(of: b) == .established)
        #expect(h.fastOpenCookie(for: serverAddress) == nil)
    }

    @Test func fastOpenConnectChecksItsValueStateAndTheSysctl() throws {
        var h = host(.linux6, [clientAddress])
        let a = h.socket()
        #expect(throws: SocketError.invalidArgument) { try h.setFastOpenConnect(a, 2) }
        try h.connect(a, to: serverEndpoint, now: .zero)
        #expect(throws: SocketError.invalidArgument) { try h.setFastOpenConnect(a, 1) }
        var r = host(.rfc9293, [clientAddress])
        let b = r.socket()
        #expect(throws: SocketError.operationNotSupported) { try r.setFastOpenConnect(b, 1) }
        #expect(r.fastOpenConnect(of: b) == false)
    }
}
