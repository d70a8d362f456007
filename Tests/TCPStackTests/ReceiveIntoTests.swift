import Testing
import TCPWire
@testable import TCPStack

/// `receive(_:into:now:)`: RECEIVE straight into the caller's memory (RFC 9293 §3.10.3).
@Suite("Receiving into the caller's buffer")
struct ReceiveIntoTests {
    private func bytes(_ n: Int, from start: Int) -> [UInt8] { (start..<start + n).map { UInt8(truncatingIfNeeded: $0) } }

    @Test func readsFillTheBufferInStreamOrderThenWouldBlockThenEndOfStreamGivesZero() throws {
        var pair = try Pair(.linux6)
        let base = pair.serverTCB.rcvNxt.rawValue
        let ack = pair.serverTCB.sndNxt.rawValue
        _ = pair.injectToServer(pair.toServer(seq: base, ack: ack, flags: .ack, payload: bytes(300, from: 0)))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 1)
        defer { buffer.deallocate() }
        var got: [UInt8] = []
        var sizes: [Int] = []
        while let n = try? pair.s.receive(pair.server!, into: buffer, now: pair.wire.now), n > 0 {
            sizes.append(n)
            got += buffer[0..<n]
        }
        #expect(sizes == [128, 128, 44])
        #expect(got == bytes(300, from: 0))
        #expect(throws: SocketError.wouldBlock) { try pair.s.receive(pair.server!, into: buffer, now: pair.wire.now) }
        // The peer's FIN: end of stream reads as 0.
        _ = pair.injectToServer(pair.toServer(seq: base + 300, ack: ack, flags: .finAck))
        #expect(try pair.s.receive(pair.server!, into: buffer, now: pair.wire.now) == 0)
    }
}
