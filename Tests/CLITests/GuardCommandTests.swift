import Foundation
import Testing

@Suite struct GuardCommandTests {
    @Test(arguments: [
        (["guard"], "missing the program to run"),
        (["guard", "--", ], "missing the program to run"),
        (["guard", "--policy", "block", "--", "true"], "--policy"),
        (["guard", "--retries", "-1", "--", "true"], "--retries"),
        (["guard", "--retries", "101", "--", "true"], "--retries"),
        (["guard", "true"], "-- CMD ARGS"),  // the program comes after --
    ])
    func badArgumentsPrintOneLineAndExitTwo(arguments: [String], mentions: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("selfconnect: ") && r.stderr.contains(mentions), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func theProgramsExitStatusPassesThrough() throws {
        #expect(try CLIRunner.run(["guard", "--", "sh", "-c", "exit 7"]).status == 7)
        #expect(try CLIRunner.run(["guard", "--policy", "refuse", "--", "true"]).status == 0)
    }

    @Test func aProgramKilledByASignalDiesOfThatSignal() throws {
        // The program replaces selfconnect, so its parent sees the signal itself (a shell reports 128+15).
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["guard", "--", "sh", "-c", "kill -TERM $$"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    }

    @Test func aMissingProgramExitsLikeAShell() throws {
        let r = try CLIRunner.run(["guard", "--", "/nonexistent/program"])
        #expect(r.status == 127)
        #expect(r.stderr == "selfconnect: cannot run /nonexistent/program: No such file or directory\n")
    }

    @Test func theGuardJoinsAnExistingPreloadAndTheProgramSeesItsSettings() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = "libc.so.6"
        let r = try CLIRunner.run(
            ["guard", "--policy", "redial", "--retries", "3", "--verbose", "--", "sh", "-c",
             "echo \"$LD_PRELOAD|$SELFCONNECT_GUARD_POLICY|$SELFCONNECT_GUARD_RETRIES|$SELFCONNECT_GUARD_VERBOSE\""],
            environment: environment)
        let library = CLIRunner.executable.deletingLastPathComponent().appendingPathComponent("libselfconnect_guard.so")
        #expect(r.status == 0)
        #expect(r.stdout == "libc.so.6:\(library.path)|redial|3|1\n")
    }

    @Test func aProgramThatNeverConnectsRunsUnchangedUnderTheGuard() throws {
        let r = try CLIRunner.run(["guard", "--", "sh", "-c", "printf 'a\\nb\\n' | sort -r | tr -d '\\n'; echo; exit 3"])
        #expect(r.status == 3 && r.stdout == "ba\n" && r.stderr.isEmpty)
    }
}
