import Testing
import TCPWire
@testable import TCPStack

/// linux-hardened's `net.ipv4.tcp_simult_connect = 0` (`simultaneousConnect: false`): a SYN received in SYN-SENT
/// is dropped, so a socket connecting to its own port retransmits its SYN on Linux's schedule and times out.
@Suite struct SimultaneousConnectOffTests {
    /// Runs a bound self-connect on one host in a `DriveLoop` (every packet loops back), until connect() fails or
    /// 300 s pass.
    /// Returns when each SYN left (seconds), the socket's events, and its transitions.
    func boundSelfConnect(_ config: TCPConfiguration) throws
        -> (synTimes: [Double], events: [(Double, SocketEvent)], transitions: [Transition], host: HostStack, socket: SocketID)
    {
        var loop = DriveLoop(host(config))
        let s = loop.hosts[0].socket()
        let me = Endpoint(v4, 40000)
        try loop.hosts[0].bind(s, to: me)
        try loop.hosts[0].connect(s, to: me, now: .zero)
        var synTimes: [Double] = []
        var events: [(Double, SocketEvent)] = []
        var transitions: [Transition] = []
        var seconds = 0.0
        func recordSYN(_ p: inout IPPacket) -> Bool {
            if p.tcp.flags == .syn { synTimes.append(seconds) }
            return true
        }
        loop.flush(through: recordSYN)
        for _ in 0..<1000 {
            // The loop has looped every packet back: jump to the next timer.
            events += loop.takeEvents().map { (seconds, $0) }
            transitions += loop.hosts[0].takeTransitions()
            let state = loop.hosts[0].state(of: s)
            guard state != .closed, state != .established, let next = loop.nextDeadline,
                next <= .milliseconds(300_000) else { break }
            seconds = Double(next.nanoseconds) / 1e9
            loop.advance(to: next, through: recordSYN)
        }
        let h = loop.hosts[0]
        return (synTimes, events, transitions, h, s)
    }

    @Test func ownSYNIsDroppedAndRetransmittedAt1_3_7_15_31_63SecondsThenETIMEDOUTAt127() throws {
        let run = try boundSelfConnect(.linuxHardened)
        #expect(run.synTimes == [0, 1, 3, 7, 15, 31, 63])
        #expect(run.events.count == 1)
        #expect(run.events.first?.0 == 127)
        #expect(run.events.first?.1 == .timedOut(run.socket))
        #expect(run.host.error(of: run.socket) == .timedOut)
        #expect(run.host.state(of: run.socket) == .closed)
        // Never SYN-RECEIVED: each own SYN is a self-loop citing the sysctl, then the timer closes it.
        let moves = run.transitions.filter { $0.from != $0.to }.map { "\($0.from.linuxName)>\($0.to.linuxName)" }
        #expect(moves == ["CLOSE>SYN_SENT", "SYN_SENT>CLOSE"])
        let drops = run.transitions.filter { $0.from == .synSent && $0.to == .synSent }
        #expect(drops.count == 7)
        #expect(drops.allSatisfy { $0.linux == "tcp_simult_connect=0 -> tcp_rcv_synsent_state_process" })
        #expect(run.transitions.last?.cause == .timer(.retransmission))
    }

    @Test func withSimultaneousConnectOnTheSameRunSelfConnects() throws {
        let run = try boundSelfConnect(.linux6)
        #expect(run.host.state(of: run.socket) == .established)
        #expect(run.synTimes == [0])
    }

    @Test func anOrdinaryHandshakeStillCompletes() throws {
        var wire = TestWire(host(.linuxHardened, [v4]))
        let l = wire.hosts[0].socket()
        try wire.hosts[0].bind(l, to: Endpoint(v4, 5000))
        try wire.hosts[0].listen(l, backlog: 4)
        let c = wire.hosts[0].socket()
        try wire.hosts[0].connect(c, to: Endpoint(v4, 5000), now: wire.now)
        wire.run()
        #expect(wire.hosts[0].state(of: c) == .established)
    }
}
