import ArgumentParser

struct OddsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "odds",
        abstract: "Odds that a retry loop to a port self-connects."
    )

    func run() async throws {
        printError("selfconnect odds: not yet implemented")
        throw ExitCode(2)
    }
}
