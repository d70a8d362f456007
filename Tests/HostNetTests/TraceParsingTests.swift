import HostNet
import SelfConnectGuard
import Testing

/// trace_pipe lines as Linux 6.18 prints `sock:inet_sock_set_state` with `record-tgid`.
private let selfConnectLine: Substring = """
             python3-14885   (  14885) [000] .N...   290.692017: inet_sock_set_state: family=AF_INET \
    protocol=IPPROTO_TCP sport=54517 dport=54517 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 \
    daddrv6=::ffff:127.0.0.1 oldstate=TCP_SYN_SENT newstate=TCP_SYN_RECV
    """

private func line(
    comm: String = "client", tid: Int32 = 500, tgid: String = "  500", time: String = "10.000001",
    family: String = "AF_INET", sport: UInt16, dport: UInt16, saddr: String = "127.0.0.1",
    daddr: String = "127.0.0.1", v6: (String, String)? = nil, old: String, new: String
) -> Substring {
    let (s6, d6) = v6 ?? ("::ffff:\(saddr)", "::ffff:\(daddr)")
    return Substring("\(comm)-\(tid) (\(tgid)) [001] ..s1. \(time): inet_sock_set_state: family=\(family) "
        + "protocol=IPPROTO_TCP sport=\(sport) dport=\(dport) saddr=\(saddr) daddr=\(daddr) saddrv6=\(s6) "
        + "daddrv6=\(d6) oldstate=TCP_\(old) newstate=TCP_\(new)")
}

private let noProcess = ProcessDetails(cmdline: nil, netns: nil, netnsName: nil)

@Suite struct TraceParsingTests {
    @Test func parsesTheKernelsLineIntoTaskTimeEndpointsAndStates() throws {
        let event = try #require(SockStateEvent(traceLine: selfConnectLine))
        #expect(event.comm == "python3")
        #expect(event.tid == 14885)
        #expect(event.pid == 14885)
        #expect(event.time == 290.692017)
        #expect(event.family == 4)
        #expect(event.local == SocketEndpoint(numericHost: "127.0.0.1", port: 54517))
        #expect(event.remote == event.local)
        #expect(event.oldState == .synSent)
        #expect(event.newState == .synRecv)
    }

    @Test func aCommandNameWithSpacesAndDashesAndAnUnknownTgidStillParse() throws {
        let event = try #require(SockStateEvent(traceLine: line(
            comm: "my app-v2 x", tid: 77, tgid: "-------", sport: 1, dport: 2, old: "CLOSE", new: "SYN_SENT")))
        #expect(event.comm == "my app-v2 x")
        #expect(event.tid == 77)
        #expect(event.tgid == nil)
        #expect(event.pid == 77)
        #expect(event.oldState == .close)
        #expect(event.newState == .synSent)
    }

    @Test func anIPv6SocketTakesItsAddressesFromTheV6Fields() throws {
        let event = try #require(SockStateEvent(traceLine: line(
            family: "AF_INET6", sport: 40000, dport: 40000, saddr: "0.0.0.0", daddr: "0.0.0.0",
            v6: ("::1", "::1"), old: "SYN_SENT", new: "SYN_RECV")))
        #expect(event.family == 6)
        #expect(event.local == SocketEndpoint(numericHost: "::1", port: 40000))
    }

    @Test func otherLinesAreNotRecordsAndLostLinesAreCounted() {
        #expect(SockStateEvent(traceLine: "CPU:1 [LOST 17 EVENTS]") == nil)
        #expect(SockStateEvent.lostEvents(in: "CPU:1 [LOST 17 EVENTS]") == 17)
        #expect(SockStateEvent(traceLine: "bash-1 (1) [000] ..... 1.0: sched_switch: prev=a") == nil)
        #expect(SockStateEvent(traceLine: line(sport: 1, dport: 2, old: "BOGUS", new: "SYN_RECV")) == nil)
    }
}

@Suite struct SelfConnectTracerTests {
    @Test func equalEndsAreASelfConnectOwnedByTheConnectCallerNotTheSoftirqTask() throws {
        var looked: [Int32] = []
        var tracer = SelfConnectTracer(lookup: { pid in
            looked.append(pid)
            return ProcessDetails(cmdline: "client --retry", netns: 4026532000, netnsName: "blue")
        })
        let connect = try #require(SockStateEvent(traceLine: line(
            comm: "client", tid: 501, tgid: "500", sport: 45000, dport: 45000, old: "CLOSE", new: "SYN_SENT")))
        #expect(tracer.consume(connect) == nil)
        let synRecv = try #require(SockStateEvent(traceLine: line(
            comm: "ksoftirqd/1", tid: 20, tgid: "20", sport: 45000, dport: 45000, old: "SYN_SENT", new: "SYN_RECV")))
        guard case .opened(let open) = tracer.consume(synRecv) else {
            Issue.record("no report")
            return
        }
        #expect(open.kind == .selfConnect)
        #expect(open.pid == 500)
        #expect(open.comm == "client")
        #expect(open.ownerFromConnect)
        #expect(open.process.netnsName == "blue")
        #expect(looked == [500])
        let json = TraceReportFormat.json(.opened(open), wallTime: 0)
        #expect(json.hasPrefix(#"{"version":1,"event":"self-connect","time":"1970-01-01T00:00:00.000000Z","kernel_time":10.000001,"pid":500,"comm":"client","cmdline":"client --retry","owner":"connect","family":4,"local":{"address":"127.0.0.1","port":45000}"#))
    }

    @Test func distinctEndsAreASimultaneousOpenAndAV4MappedSelfConnectIsStillSelf() throws {
        var tracer = SelfConnectTracer(lookup: { _ in noProcess })
        let crossing = try #require(SockStateEvent(traceLine: line(
            sport: 40005, dport: 5005, saddr: "10.200.0.1", daddr: "10.200.0.2", old: "SYN_SENT", new: "SYN_RECV")))
        guard case .opened(let open) = tracer.consume(crossing) else {
            Issue.record("no report")
            return
        }
        #expect(open.kind == .simultaneousOpen)
        #expect(!open.ownerFromConnect)
        let mapped = try #require(SockStateEvent(traceLine: line(
            family: "AF_INET6", sport: 41000, dport: 41000, saddr: "0.0.0.0", daddr: "0.0.0.0",
            v6: ("::ffff:127.0.0.1", "127.0.0.1"), old: "SYN_SENT", new: "SYN_RECV")))
        guard case .opened(let self6) = tracer.consume(mapped) else {
            Issue.record("no report")
            return
        }
        #expect(self6.kind == .selfConnect)
    }

    @Test func theCloseOfAReportedSocketGivesItsLifetimeAndEndStateOthersAreIgnored() throws {
        var tracer = SelfConnectTracer(lookup: { _ in noProcess })
        let other = try #require(SockStateEvent(traceLine: line(
            sport: 1000, dport: 2000, old: "ESTABLISHED", new: "CLOSE")))
        #expect(tracer.consume(other) == nil)
        _ = tracer.consume(try #require(SockStateEvent(traceLine: line(
            time: "5.000000", sport: 45001, dport: 45001, old: "SYN_SENT", new: "SYN_RECV"))))
        let end = try #require(SockStateEvent(traceLine: line(
            time: "5.000250", sport: 45001, dport: 45001, old: "CLOSING", new: "CLOSE")))
        guard case .closed(let close) = tracer.consume(end) else {
            Issue.record("no close")
            return
        }
        #expect(abs(close.lifetime - 0.000250) < 1e-9)
        #expect(TraceReportFormat.json(.closed(close), wallTime: 0).hasSuffix(
            #""kind":"self-connect","lifetime_us":250,"end_state":"CLOSING"}"#))
        #expect(tracer.consume(end) == nil)
    }

    /// The reader skips CLOSE records unparsed while nothing awaits one, so this must follow the open table exactly.
    @Test func aCloseIsAwaitedOnlyWhileAReportedSocketIsOpen() throws {
        var tracer = SelfConnectTracer(lookup: { _ in noProcess })
        #expect(!tracer.awaitsClose)
        _ = tracer.consume(try #require(SockStateEvent(traceLine: line(
            sport: 1000, dport: 2000, old: "ESTABLISHED", new: "CLOSE"))))
        #expect(!tracer.awaitsClose)
        _ = tracer.consume(try #require(SockStateEvent(traceLine: line(
            sport: 45002, dport: 45002, old: "SYN_SENT", new: "SYN_RECV"))))
        #expect(tracer.awaitsClose)
        _ = tracer.consume(try #require(SockStateEvent(traceLine: line(
            sport: 45002, dport: 45002, old: "LAST_ACK", new: "CLOSE"))))
        #expect(!tracer.awaitsClose)
    }
}
