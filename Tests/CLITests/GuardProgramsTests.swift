import Foundation
import LiveKernelGate
import Testing

/// Issue 16's acceptance with real programs, each run in its own fresh namespace (unshare) with the ephemeral range
/// narrowed to 50000-50003 and nothing listening on 50002.
@Suite(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
struct GuardProgramsTests {
    @Test(arguments: GuardPrograms.names)
    func unguardedTheRetryLoopConnectsToItself(program: String) throws {
        guard LiveKernel.require() else { return }
        let attempts = 500
        let r = try NarrowNamespace.run(GuardPrograms.setup + "run none \(program)\n", attempts: attempts)
        let counts = NarrowNamespace.fields(r.stdout)
        print("unguarded \(program): \(counts)")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(counts["attempts"] == attempts)
        #expect((counts["self"] ?? 0) >= 1, "\(program) never self-connected in \(attempts) attempts: \(r.stdout)")
    }

    @Test(arguments: GuardPrograms.names, ["prevent", "refuse"])
    func underTheGuardEveryAttemptIsRefusedAndARealServerIsReached(program: String, policy: String) throws {
        guard LiveKernel.require() else { return }
        let attempts = NarrowNamespace.attempts(perProcess: GuardPrograms.perProcess(program))
        let marker = policy == "prevent" ? "prevent (source ports 50000-50001)" : "refuse (connected to itself"
        let r = try NarrowNamespace.run(
            GuardPrograms.setup + "run \(policy) \(program)\ndecisions '\(marker)'\nserve\nrun \(policy) reach-\(program)\n",
            attempts: attempts)
        let counts = NarrowNamespace.fields(r.stdout)
        let decisions = NarrowNamespace.fields(r.stdout, key: "decisions")["decisions"] ?? -1
        print("guarded (\(policy)) \(program): \(counts), guard decisions '\(marker)': \(decisions)")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(counts == ["attempts": attempts, "self": 0, "refused": attempts], "\(r.stdout)\n\(r.stderr.suffix(2000))")
        // prevent acts on every attempt; refuse on those the kernel did connect to themselves (about half here).
        #expect(policy == "prevent" ? decisions == attempts : decisions >= 1, "\(r.stdout)")
        #expect(r.stdout.contains("bound=1"), "the server could not bind \(NarrowNamespace.port): \(r.stdout)")
        #expect(r.stdout.contains("reached=1"), "\(program) did not reach the server through the guard: \(r.stdout) \(r.stderr.suffix(2000))")
    }
}
