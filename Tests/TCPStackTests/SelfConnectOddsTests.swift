import Testing
import TCPWire
@testable import TCPStack

@Suite struct SelfConnectOddsTests {
    private func personality(_ name: String, _ lo: UInt16, _ hi: UInt16) throws -> Personality {
        var p = try Personality.named(name)
        p.ports.range = try PortRange(lower: lo, upper: hi)
        return p
    }

    @Test func linux310WithNothingHeldIsUniformOverTheRange() throws {
        let p = Personality.linux310   // 28,233 ports
        let r = SelfConnectOdds.compute(OddsQuery(personality: p, target: 50000, attempts: 1000))
        #expect(r.verdict == .possible)
        #expect(r.odds.method == .exact)
        #expect(abs(r.odds.probabilityWithin - 1000.0 / 28233) < 1e-12)
        #expect(abs(try #require(r.odds.meanAttempts) - 14117) < 1e-6)    // (U + 1) / 2
        #expect(r.odds.medianAttempts == 14117)
    }

    @Test func aHeldPortBeforeTheTargetDoublesTheChanceOfHittingItFirst() throws {
        // Range 40000-40009, 40004 held: a start on 40004 or 40005 picks 40005 first.
        let p = try personality("linux-3.10", 40000, 40009)
        let r = SelfConnectOdds.compute(OddsQuery(personality: p, target: 40005, attempts: 1,
                                                  held: ReservedPorts([40004])))
        #expect(abs(r.odds.probabilityWithin - 0.2) < 1e-12)
        #expect(r.usablePorts == 9)
    }

    @Test func freebsdAlgorithm1IsGeometricWithOneOverTheRange() throws {
        let r = SelfConnectOdds.compute(OddsQuery(personality: .freebsd, target: 50000, attempts: 55536))
        #expect(abs(try #require(r.odds.meanAttempts) - 55536) < 1e-6)
        // 1 - (1 - 1/n)^n is close to 1 - 1/e.
        #expect(abs(r.odds.probabilityWithin - 0.632124) < 1e-5)
        #expect(r.odds.medianAttempts == 38495)   // ceil(ln 2 / -ln(1 - 1/55536))
    }

    @Test func monteCarloAgreesWithTheExactAnswerOnASequentialAllocator() throws {
        let p = try personality("linux-3.10", 40000, 40099)
        let q = OddsQuery(personality: p, target: 40050, attempts: 30, seed: 4, trials: 4000)
        let exact = SelfConnectOdds.compute(q).odds
        let simulated = SelfConnectOdds.monteCarlo(q, held: .none)
        #expect(abs(try #require(simulated.meanAttempts) - 50.5) < 2)
        #expect(abs(simulated.probabilityWithin - exact.probabilityWithin) < 0.03)
        #expect(abs(exact.probabilityWithin - 0.3) < 1e-12)
    }

    @Test func linux6MeanIsAboutTheNumberOfEvenPorts() throws {
        // Fresh host: a random start on a ring of 14,116 even ports with steps uniform on {2..16}.
        let r = SelfConnectOdds.compute(OddsQuery(personality: .linux6, target: 50000, seed: 1, trials: 100))
        let mean = try #require(r.odds.meanAttempts)
        #expect(mean > 9_500 && mean < 16_500)
        #expect(r.odds.method == .monteCarlo(trials: 100, seed: 1, censored: 0))
        let again = SelfConnectOdds.compute(OddsQuery(personality: .linux6, target: 50000, seed: 1, trials: 100))
        #expect(again == r)
    }

    @Test func oddPortUnderParityAllocatorsNeedsTheEvenPortsExhausted() throws {
        for p in [Personality.linux46, .linux6] {
            let r = SelfConnectOdds.compute(OddsQuery(personality: p, target: 50001, trials: 20))
            #expect(r.verdict == .preferredParityFirst)
            #expect(r.odds.probabilityWithin == 0)
            let c = try #require(r.oddsIfPreferredParityHeld)
            #expect(c.probabilityWithin > 0.9)
        }
        let evens = ReservedPorts(stride(from: UInt16(32768), through: 60998, by: 2))
        let r = SelfConnectOdds.compute(OddsQuery(personality: .linux46, target: 50001, held: evens))
        #expect(r.verdict == .possible)
        #expect(abs(try #require(r.odds.meanAttempts) - 7058.5) < 1e-6)
    }

    @Test func portsConnectNeverPicksCannotSelfConnect() throws {
        let cases: [(Personality, UInt16, ReservedPorts, OddsReport.Verdict)] = [
            (.linux6, 80, .none, .outsideRange),
            (.linux6, 50000, ReservedPorts([50000]), .heldByBind),
            (.xnu, 50000, .none, .refusedByConnect),
            (.linuxHardened, 50000, .none, .simultaneousConnectOff),
        ]
        for (p, port, held, verdict) in cases {
            let r = SelfConnectOdds.compute(OddsQuery(personality: p, target: port, held: held))
            #expect(r.verdict == verdict)
            #expect(r.odds == Odds.never())
        }
        var reserved = Personality.linux310
        reserved.ports.reserved = ReservedPorts([50000])
        #expect(SelfConnectOdds.compute(OddsQuery(personality: reserved, target: 50000)).verdict == .reserved)
    }
}
