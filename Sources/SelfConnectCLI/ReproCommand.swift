import ArgumentParser

struct ReproCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repro",
        abstract: "Reproduce self-connect on this machine's kernel."
    )

    func run() async throws {
        printError("selfconnect repro: not yet implemented")
        throw ExitCode(2)
    }
}
