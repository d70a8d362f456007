import Testing

@Suite struct ExitCodeTests {
    @Test func unknownSubcommandIsOneLineOnStderrAndExitTwo() throws {
        let r = try CLIRunner.run(["no-such-command"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.hasPrefix("selfconnect: "))
    }

    @Test func helpListsTheSimulateCommandAndExitsZero() throws {
        let r = try CLIRunner.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("simulate"))
    }
}
