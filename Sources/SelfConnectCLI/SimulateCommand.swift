import ArgumentParser

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay the article's self-connect story on the deterministic simulator."
    )

    func run() async throws {
        print("selfconnect simulate: not yet: the simulator has not landed (see the simulator issue).")
    }
}
