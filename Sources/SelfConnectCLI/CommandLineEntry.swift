import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Parses and runs a command line with the project's exit-code contract:
/// 0 success, 1 a finding or "not reached", 2 bad input (one line on stderr).
public enum CommandLineEntry {
    public static func run(_ arguments: [String]) async -> Int32 {
        let command: ParsableCommand
        do {
            command = try SelfConnectCommand.parseAsRoot(SimulateCommand.normalized(arguments))
        } catch {
            return report(error)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            return 0
        } catch {
            return report(error)
        }
    }

    private static func report(_ error: Error) -> Int32 {
        if let exit = error as? ExitCode { return exit.rawValue }
        let code = SelfConnectCommand.exitCode(for: error)
        if code == .success {
            // --help, --version: the full text belongs on stdout.
            print(SelfConnectCommand.fullMessage(for: error))
            return 0
        }
        let line = SelfConnectCommand.message(for: error)
            .split(separator: "\n").first.map(String.init) ?? "unknown error"
        printError("selfconnect: \(line)")
        return 2
    }
}

/// Writes one line to stderr.
public func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}
