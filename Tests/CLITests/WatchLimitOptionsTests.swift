import Testing

@Suite struct WatchLimitOptionsTests {
    @Test(arguments: [
        (["--max-connections", "0"], "selfconnect: --max-connections must be 1-1000000, got 0\n"),
        (["--max-header-bytes", "10"], "selfconnect: --max-header-bytes must be 64-1048576, got 10\n"),
        (["--max-path-bytes", "2000000"], "selfconnect: --max-path-bytes must be 16-1048576, got 2000000\n"),
        (["--header-timeout", "soon"], "selfconnect: --header-timeout must be a duration such as 500ms, 10s or 2m, got 'soon'\n"),
        (["--idle-timeout", "0s"], "selfconnect: --idle-timeout must be a duration such as 500ms, 10s or 2m, got '0s'\n"),
    ])
    func aBadServerLimitIsOneLineAndExitTwo(arguments: [String], message: String) throws {
        let r = try CLIRunner.run(["watch", "--listen", "127.0.0.1:0"] + arguments)
        #expect(r.status == 2)
        #expect(r.stderr == message)
        #expect(r.stdout.isEmpty)
    }
}
