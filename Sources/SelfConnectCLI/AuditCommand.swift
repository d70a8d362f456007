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

    @Flag(help: "Also audit every other network namespace that a process or /run/netns holds (root).")
    var allNamespaces = false

    func run() async throws {
        let report: AuditReport
        do {
            report = try Audit.run(allNamespaces: allNamespaces)
        } catch {
            throw ValidationError("audit failed: \(error)")
        }
        print(json ? report.json : report.text)
        if !report.findings.isEmpty { throw ExitCode(1) }
    }
}
