import Testing
import TCPWire
@testable import TCPStack

/// TCP_INFO `tcpi_bytes_received` (Linux `tcp_rcv_nxt_update`): every in-order advance of RCV.NXT after the SYN.
@Test func bytesReceivedCountsInOrderDataAndTheFinButNotTheSyn() throws {
    var p = try Pair(.linux6)
    #expect(p.s.tcpInfo(of: p.server!, now: p.wire.now)?.bytesReceived == 0)
    let irs = p.serverTCB.irs.rawValue, iss = p.serverTCB.iss.rawValue
    _ = p.injectToServer(p.toServer(seq: irs &+ 1, ack: iss &+ 1, flags: .ack, payload: [UInt8](repeating: 1, count: 1000)))
    #expect(p.s.tcpInfo(of: p.server!, now: p.wire.now)?.bytesReceived == 1000)
    // Out of order: not yet received in order.
    _ = p.injectToServer(p.toServer(seq: irs &+ 2001, ack: iss &+ 1, flags: .ack, payload: [UInt8](repeating: 1, count: 500)))
    #expect(p.s.tcpInfo(of: p.server!, now: p.wire.now)?.bytesReceived == 1000)
    _ = p.injectToServer(p.toServer(seq: irs &+ 1001, ack: iss &+ 1, flags: .ack, payload: [UInt8](repeating: 1, count: 1000)))
    #expect(p.s.tcpInfo(of: p.server!, now: p.wire.now)?.bytesReceived == 2500)
    _ = p.injectToServer(p.toServer(seq: irs &+ 2501, ack: iss &+ 1, flags: [.fin, .ack]))
    #expect(p.s.tcpInfo(of: p.server!, now: p.wire.now)?.bytesReceived == 2501)
}
