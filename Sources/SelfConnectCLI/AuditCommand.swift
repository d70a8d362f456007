import ArgumentParser

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Find self-connected sockets and risky listeners on this host."
    )

    func run() async throws {
        printError("selfconnect audit: not yet implemented")
        throw ExitCode(2)
    }
}
