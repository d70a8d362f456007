import ArgumentParser
import HostNet
import SelfConnectGuard
import SelfConnectWatch

#if canImport(Glibc)
import Glibc
#endif

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Audit this host periodically and serve the findings as Prometheus metrics on /metrics.",
        discussion: "Read-only. Runs until SIGINT or SIGTERM (exit 0). Exit 2 on bad input or when it cannot listen."
    )

    @Option(help: "Address to serve /metrics on: IPv4:PORT or [IPv6]:PORT (port 0: any free port).")
    var listen = "127.0.0.1:9464"

    @Option(help: "Time between audits: 500ms, 10s, 2m, 1h.")
    var interval = "10s"

    @Flag(help: "Run one audit, print the metrics to stdout and exit.")
    var once = false

    @OptionGroup(title: "HTTP server limits") var httpLimits: HTTPLimitOptions

    func run() async throws {
        let endpoint: SocketEndpoint
        let period: Duration
        let limits = try httpLimits.limits()
        do {
            endpoint = try WatchArguments.listenEndpoint(listen)
            period = try WatchArguments.interval(interval)
        } catch {
            throw ValidationError(error.description)
        }
        var metrics = AuditMetrics()
        if once {
            do { try Watch.auditOnce(into: &metrics) } catch { throw ValidationError("audit failed: \(error)") }
            writeOut(metrics.registry.emitToString())
            return
        }
        let server: MetricsHTTPServer
        do {
            server = try await MetricsHTTPServer.start(at: endpoint, registry: metrics.registry, limits: limits)
        } catch {
            throw ValidationError(error.description)
        }
        TerminationSignals.install()
        writeOut("selfconnect watch: serving http://\(server.endpoint)/metrics, one audit every \(interval)\n")
        let loop = Task { [metrics] in await Watch.run(metrics: metrics, interval: period) }
        let signal = await TerminationSignals.wait()
        loop.cancel()
        await loop.value
        await server.close()
        printError("selfconnect watch: stopped by signal \(signal)")
    }
}

/// Writes straight to stdout, unbuffered, so a reader on a pipe sees the text at once.
private func writeOut(_ text: String) {
    var text = text
    text.withUTF8 { buf in
        var offset = 0
        while offset < buf.count {
            let n = write(1, buf.baseAddress! + offset, buf.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}
