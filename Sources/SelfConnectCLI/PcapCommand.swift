import ArgumentParser

struct PcapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcap",
        abstract: "Read and print pcap files as tcpdump does."
    )

    func run() async throws {
        printError("selfconnect pcap: not yet implemented")
        throw ExitCode(2)
    }
}
