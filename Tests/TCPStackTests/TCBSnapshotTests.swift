import Testing
import TCPWire
@testable import TCPStack

/// `HostStack.tcbSnapshots()`: the RFC 9293 §3.3.1 variables and armed timers of every socket, copied out.
@Suite struct TCBSnapshotTests {
    @Test func snapshotsFollowAnActiveOpenToAListener() throws {
        var wire = TestWire(host(.linux6, [v4]))
        let l = wire.hosts[0].socket()
        try wire.hosts[0].bind(l, to: Endpoint(v4, 5000))
        try wire.hosts[0].listen(l, backlog: 4)
        let c = wire.hosts[0].socket()
        try wire.hosts[0].connect(c, to: Endpoint(v4, 5000), now: wire.now)

        let sent = try #require(wire.hosts[0].takePackets().first)
        let syn = try #require(wire.hosts[0].tcbSnapshots().first { $0.socket == c })
        #expect(syn.state == .synSent && syn.local != nil && syn.remote == Endpoint(v4, 5000))
        #expect(syn.iss == sent.tcp.sequenceNumber && syn.sndUna == syn.iss && syn.sndNxt == syn.iss &+ 1)
        #expect(syn.timers == [.init(kind: .retransmission, deadline: wire.now + .seconds(1))])
        #expect(syn.irs == 0 && syn.rcvNxt == 0)

        wire.hosts[0].receive(sent, now: wire.now)
        wire.run()
        let done = try #require(wire.hosts[0].tcbSnapshots().first { $0.socket == c })
        let child = try #require(wire.hosts[0].tcbSnapshots().first { $0.passiveLocal(5000) && $0.socket != l })
        #expect(done.state == .established && child.state == .established)
        #expect(done.sndNxt == done.iss &+ 1 && done.sndUna == done.sndNxt)
        #expect(done.irs == child.iss && done.rcvNxt == child.iss &+ 1 && child.irs == done.iss)
        #expect(done.rcvWnd > 0 && done.sndWnd > 0)
        #expect(!done.timers.contains { $0.kind == .retransmission })
        // Taking snapshots changes nothing.
        #expect(wire.hosts[0].tcbSnapshots() == wire.hosts[0].tcbSnapshots())
        #expect(wire.hosts[0].tcbSnapshots().map(\.socket).contains(l))
    }
}

extension TCBSnapshot {
    func passiveLocal(_ port: UInt16) -> Bool { local?.port == port && state != .listen }
}
