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
        discussion: """
            Read-only. Runs until SIGINT or SIGTERM (exit 0). Exit 2 on bad input or when it cannot listen. \
            With tracing rights (see `selfconnect trace --help`) it also counts every self-connect in its network \
            namespace as it forms; without them it polls only, and says so in its log and in selfconnect_tracing 0.
            """
    )

    @Option(help: "Address to serve /metrics on: IPv4:PORT or [IPv6]:PORT (port 0: any free port).")
    var listen = "127.0.0.1:9464"

    @Option(help: "Time between audits: 500ms, 10s, 2m, 1h.")
    var interval = "10s"

    @Flag(help: "Run one audit, print the metrics to stdout and exit.")
    var once = false

    @Option(help: "Also write the metrics to DIR/selfconnect.prom after every audit (node_exporter textfile format, atomically).")
    var textfile: String?

    @Flag(help: "Poll only: do not trace self-connects as they form.")
    var noTrace = false

    @Flag(help: "Count traced self-connects of processes in every network namespace (a node's pods), not only watch's own.")
    var traceAllNamespaces = false

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
        let events = TraceMetrics(
            registry: metrics.registry, namespace: traceAllNamespaces ? nil : try? NetworkNamespaces.current().inode)
        if once {
            do { try Watch.auditOnce(into: &metrics) } catch { throw ValidationError("audit failed: \(error)") }
            if let textfile {
                do { try Textfile.write(metrics.registry, to: textfile) } catch { throw ValidationError(error.description) }
            }
            writeOut(metrics.registry.emitToString())
            return
        }
        if let textfile {
            do { try Textfile.write(metrics.registry, to: textfile) } catch { throw ValidationError(error.description) }
        }
        let server: MetricsHTTPServer
        do {
            server = try await MetricsHTTPServer.start(at: endpoint, registry: metrics.registry, limits: limits)
        } catch {
            throw ValidationError(error.description)
        }
        TerminationSignals.install()
        let tracer = noTrace ? nil : startTracer(events)
        if noTrace {
            events.setTracing(false)
            printError("selfconnect watch: polling only (--no-trace)")
        }
        writeOut("selfconnect watch: serving http://\(server.endpoint)/metrics, one audit every \(interval)\n")
        let loop = Task { [metrics, textfile] in await Watch.run(metrics: metrics, interval: period, textfile: textfile) }
        let signal = await TerminationSignals.wait()
        loop.cancel()
        await loop.value
        tracer?.stop()
        await server.close()
        printError("selfconnect watch: stopped by signal \(signal)")
    }
}

/// Starts the event source, or logs why watch polls only (selfconnect_tracing says the same).
private func startTracer(_ events: TraceMetrics) -> WatchTracer? {
    do {
        let tracer = try WatchTracer(metrics: events)
        for name in tracer.removedStale { printError("selfconnect watch: removed stale instance \(name) (its process is gone)") }
        printError("selfconnect watch: tracing self-connects as they form (\(tracer.instancePath))")
        return tracer
    } catch {
        events.setTracing(false)
        printError("selfconnect watch: polling only, cannot trace self-connects as they form: \(error)")
        return nil
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
