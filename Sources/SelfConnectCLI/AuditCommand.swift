import ArgumentParser
import HostNet

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Find self-connected sockets and risky listeners on this host.",
        discussion: "Read-only. Exit 0 clean, 1 findings, 2 error."
    )

    @Flag(help: "Print one JSON object (format in the README).")
    var json = false

    func run() async throws {
        let report: AuditReport
        do {
            report = try Audit.run()
        } catch {
            throw ValidationError("audit failed: \(error)")
        }
        print(json ? report.json : report.text)
        if !report.findings.isEmpty { throw ExitCode(1) }
    }
}
