import Foundation

/// Runs a short-lived helper command (`ip`, `sysctl`) and returns its output; a failure exit is an error.
enum ExternalCommand {
    static func run(_ arguments: [String]) throws(TUNLinkError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw .notPermitted("cannot run \(arguments.first ?? "")")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw .command(arguments.joined(separator: " "), status: process.terminationStatus, output: output)
        }
        return output
    }
}
