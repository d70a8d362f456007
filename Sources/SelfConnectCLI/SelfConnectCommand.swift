import ArgumentParser

public struct SelfConnectCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "selfconnect",
        abstract: "TCP self-connect: simulate it, reproduce it on this kernel, find it, prevent it.",
        subcommands: [
            SimulateCommand.self,
            PcapCommand.self,
            OddsCommand.self,
            ReproCommand.self,
            AuditCommand.self,
            TunCommand.self,
            ScriptCommand.self,
            WatchCommand.self,
            GuardCommand.self,
            TraceCommand.self,
        ]
    )

    public init() {}
}
