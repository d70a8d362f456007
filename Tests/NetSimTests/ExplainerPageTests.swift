import Testing
import TCPStack
import TCPWire
@testable import NetSim

/// The step-by-step page (`simulate --html`) and compare view (`--compare`) built from recorded runs, and
/// linux-hardened's refusal of the simultaneous open, on the simulator.
@Suite struct ExplainerPageTests {
    static func run(_ personality: String, scenario: ScenarioName = .seed, maxAttempts: Int = 100_000) throws -> SimulationReport {
        var o = SimulationOptions(scenario: scenario, personality: personality, seed: 1, maxAttempts: maxAttempts)
        o.recordSteps = true
        return try SimulationEngine.run(o)
    }

    static var story310: ExplainerRun { get throws { ExplainerRun(try run("linux-3.10")) } }

    @Test func stepsAreRecordedOnlyWhenThePageIsAsked() throws {
        let plain = try SimulationEngine.run(SimulationOptions(scenario: .boundSelfConnect, personality: "linux-6"))
        #expect(plain.steps.isEmpty)
        #expect(try !Self.run("linux-6", scenario: .boundSelfConnect).steps.isEmpty)
    }

    @Test func defaultStoryPageIsSelfContainedSmallAndSummarisesTheRefusedAttempts() throws {
        let page = HTMLPage.render(try Self.story310)
        #expect(page.utf8.count < 1_000_000)
        #expect(page.contains("<summary>Attempts: 20,785 refused. The refused attempt just before attempt 20,786 is "
            + "drawn in full below; the other 20,784 are summarised here"))
        // linux-3.10 hands out successive ports from its hint, wrapping at the top of the range.
        #expect(page.contains("<p class=\"ports\">57448-61000 32768-49998</p>"))
        // Nothing to fetch: no external script, style, font or image; the only URL is the SVG namespace.
        for needle in ["<link", " src=", "href=", "@import", "@font-face", "://"] {
            #expect(!page.replacing("http://www.w3.org/2000/svg", with: "").contains(needle), "\(needle)")
        }
        #expect(page.components(separatedBy: "url(").count == page.components(separatedBy: "url(#").count)
    }

    /// Every scenario: the steps hold `--explain`'s transitions in order, and every packet `--json` shows
    /// arrives or leaves in some step.
    @Test(arguments: ScenarioName.allCases)
    func everyScenarioCutsIntoStepsThatCoverItsTransitionsAndPackets(scenario: ScenarioName) throws {
        let run = ExplainerRun(try Self.run("linux-6", scenario: scenario))
        #expect(!run.steps.isEmpty)
        #expect(run.steps.flatMap(\.transitions) == run.report.chosenTransitions, "\(scenario)")
        let touched = Set(run.steps.flatMap { $0.sent + ($0.received.map { [$0] } ?? []) })
        #expect(touched == Set(run.report.chosenCaptures.indices), "\(scenario)")
        #expect(HTMLPage.render(run).utf8.count < 1_000_000)
    }

    @Test(arguments: Personality.names.filter { $0 != "host" })
    func everyPersonalityRendersTheBoundSelfConnect(personality: String) throws {
        let run = ExplainerRun(try Self.run(personality, scenario: .boundSelfConnect))
        #expect(run.steps.flatMap(\.transitions) == run.report.chosenTransitions, "\(personality)")
        #expect(HTMLPage.render(run).contains("id=\"explainer-data\""))
    }

    @Test func samePageForTheSameOptionsAndSeed() throws {
        let again = ExplainerRun(try Self.run("linux-3.10"))
        #expect(HTMLPage.render(again) == HTMLPage.render(try Self.story310))
    }

    @Test func stepsCarryExplainsTransitionsInOrderWithTCBsThatMatchThePackets() throws {
        let run = try Self.story310
        let r = run.report
        #expect(run.steps.flatMap(\.transitions) == r.chosenTransitions)
        // The self-connect's connect(): CLOSED -> SYN_SENT, its SYN's sequence number is the ISS.
        let connect = try #require(run.steps.first { $0.phase == 1 })
        #expect(connect.trigger == "connect()")
        let syn = r.chosenCaptures[try #require(connect.sent.first)].packet.tcp
        let after = try #require(connect.after)
        #expect(after.state == .synSent && after.iss == syn.sequenceNumber && after.sndNxt == syn.sequenceNumber &+ 1)
        #expect(after.timers.map(\.kind) == [.retransmission])
        #expect(after.timers.first?.deadline == connect.time + .seconds(1))
        // Its own SYN: SYN_SENT -> SYN_RECEIVED, IRS is its own ISS.
        let own = run.steps.filter { $0.phase == 1 }[1]
        #expect(own.transitions.map { "\($0.from.linuxName)>\($0.to.linuxName)" } == ["SYN_SENT>SYN_RECV"])
        #expect(own.after?.irs == syn.sequenceNumber && own.after?.rcvNxt == syn.sequenceNumber &+ 1)
        #expect(own.before?.state == .synSent)
        // The refused attempt: a SYN to a port nobody holds is answered by RST, without a TCB.
        let noSocket = try #require(run.steps.first { $0.phase == 0 && $0.note != nil })
        #expect(noSocket.before == nil && noSocket.after == nil && noSocket.note!.contains("RFC 9293 §3.10.7.1"))
        #expect(run.steps.last?.after?.state == .established)
    }

    @Test func compareMarksLinux310AgainstLinux6AtTheThirdHandshakeSegment() throws {
        let c = Comparison([try Self.story310, ExplainerRun(try Self.run("linux-6"))])
        let k = try #require(c.firstDivergence[1])
        let row = c.rows[k]
        #expect(row.phase == 1 && row.index == 2)
        let a = try #require(c.runs[0].step(row)), b = try #require(c.runs[1].step(row))
        #expect(a.segmentOrdinal == 3 && b.segmentOrdinal == 3)
        #expect(a.transitions.map(\.linux) == ["tcp_validate_incoming -> tcp_send_challenge_ack"])
        #expect(b.transitions.map { $0.to } == [.established])
        #expect(!c.runs[1].report.chosenCaptures[b.sent[0]].packet.tcp.options.sackBlocks.isEmpty)
        let reason = try #require(c.reason(1))
        #expect(reason.hasPrefix("linux-6 parts from linux-3.10 at step \(k + 1), the third handshake segment: "))
        #expect(HTMLPage.render(c).contains("data-first-divergence=\"true\""))
    }

    @Test func linuxHardenedNeverSelfConnectsItsAttemptOnThePortTimesOutAfter127Seconds() throws {
        let r = try Self.run("linux-hardened", maxAttempts: 40_000)
        #expect(r.connection == nil && !r.isSelfConnect)
        let timedOut = r.attempts.filter { $0.result == .timedOut }
        #expect(!timedOut.isEmpty && timedOut.allSatisfy { $0.local?.port == 50000 })
        #expect(r.story.contains { $0.text == "telnet: connect to address 127.0.0.1: Connection timed out" })
        // The attempt shown: its SYN at 0 s and again at 1, 3, 7, 15, 31, 63 s; ETIMEDOUT at 127 s.
        let w = try #require(r.windows.last)
        let start = r.attempts[w.attempt].start
        let syns = r.chosenCaptures.filter { $0.packet.tcp.flags == .syn && $0.time >= start }
        #expect(syns.map { ($0.time - start) } == [0, 1, 3, 7, 15, 31, 63].map { Duration.seconds($0) })
        let end = try #require(r.chosenTransitions.last { $0.to == .closed })
        #expect(end.time - start == .seconds(127) && end.cause == "retransmission timer gave up")
        let run = ExplainerRun(r)
        #expect(run.steps.contains { $0.transitions.contains { $0.linux.contains("tcp_simult_connect=0") } })
    }
}
