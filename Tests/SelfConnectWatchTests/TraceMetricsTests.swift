import HostNet
import Prometheus
import SelfConnectGuard
import SelfConnectWatch
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Records as SelfConnectTracer turns them into reports: connect, SYN_RECV, then (optionally) CLOSE.
private func selfConnect(
    _ tracer: inout SelfConnectTracer, port: UInt16, comm: String, at time: Double, lifetime: Double? = nil
) -> [TraceOutput] {
    let here = SocketEndpoint(.v4(0x7f00_0001), port)
    func event(_ old: TCPSocketState, _ new: TCPSocketState, _ t: Double) -> SockStateEvent {
        SockStateEvent(comm: comm, tid: 42, tgid: 42, time: t, family: 4, local: here, remote: here,
                       oldState: old, newState: new)
    }
    var out: [TraceOutput] = []
    for e in [event(.close, .synSent, time), event(.synSent, .synRecv, time)] + (lifetime.map {
        [event(TCPSocketState(rawValue: 11), .close, time + $0)]
    } ?? []) {
        if let o = tracer.consume(e) { out.append(o) }
    }
    return out
}

@Suite struct TraceMetricsTests {
    @Test func eachSelfConnectCountsByPortAndCommandStampsLastSeenAndRecordsItsLifetime() throws {
        let registry = PrometheusCollectorRegistry()
        var metrics = TraceMetrics(registry: registry, namespace: 7)
        var tracer = SelfConnectTracer(lookup: { _ in ProcessDetails(cmdline: nil, netns: 7, netnsName: nil) })
        for output in selfConnect(&tracer, port: 50000, comm: "health", at: 1, lifetime: 0.0004)
            + selfConnect(&tracer, port: 50000, comm: "health", at: 2, lifetime: 0.05)
            + selfConnect(&tracer, port: 40000, comm: "curl", at: 3)
        {
            metrics.record(output, wallTime: 1_800_000_000)
        }
        let s = samples(registry.emitToString())
        #expect(s.value("selfconnect_self_connects_total", ["port": "50000", "command": "health"]) == 2)
        #expect(s.value("selfconnect_self_connects_total", ["port": "40000", "command": "curl"]) == 1)
        #expect(s.value("selfconnect_self_connects_total", ["port": "other", "command": "other"]) == 0)
        #expect(s.value("selfconnect_self_connect_last_seen_timestamp_seconds", ["port": "40000", "command": "curl"])
            == 1_800_000_000)
        #expect(s.value("selfconnect_self_connect_lifetime_seconds_count") == 2)
        #expect(s.value("selfconnect_self_connect_lifetime_seconds_bucket", ["le": "0.001"]) == 1)
        #expect(s.value("selfconnect_self_connect_lifetime_seconds_bucket", ["le": "0.1"]) == 2)
    }

    @Test func portAndCommandPairsBeyondTheCapAreSummedIntoOther() {
        let registry = PrometheusCollectorRegistry()
        var metrics = TraceMetrics(registry: registry, namespace: nil, maxSeries: 4)
        var tracer = SelfConnectTracer(lookup: { _ in ProcessDetails(cmdline: nil, netns: 1, netnsName: nil) })
        for port in UInt16(41000)..<41010 {
            for output in selfConnect(&tracer, port: port, comm: "loop", at: Double(port)) {
                metrics.record(output, wallTime: 0)
            }
        }
        let s = samples(registry.emitToString()).filter { $0.name == "selfconnect_self_connects_total" }
        #expect(s.count == 4)
        #expect(s.map(\.value).reduce(0, +) == 10)
        #expect(s.value("selfconnect_self_connects_total", ["port": "other", "command": "other"]) == 7)
    }

    @Test func anotherNamespacesSelfConnectsAndSimultaneousOpensAreNotCountedAsSelfConnects() {
        let registry = PrometheusCollectorRegistry()
        var metrics = TraceMetrics(registry: registry, namespace: 7)
        var elsewhere = SelfConnectTracer(lookup: { _ in ProcessDetails(cmdline: nil, netns: 8, netnsName: nil) })
        for output in selfConnect(&elsewhere, port: 50000, comm: "x", at: 1) { metrics.record(output, wallTime: 0) }
        var here = SelfConnectTracer(lookup: { _ in ProcessDetails(cmdline: nil, netns: 7, netnsName: nil) })
        let crossing = SockStateEvent(
            comm: "peer", tid: 9, tgid: 9, time: 1, family: 4, local: SocketEndpoint(.v4(0x0a00_0001), 40000),
            remote: SocketEndpoint(.v4(0x0a00_0002), 5000), oldState: .synSent, newState: .synRecv)
        if let output = here.consume(crossing) { metrics.record(output, wallTime: 0) }
        metrics.setTracing(true)
        let s = samples(registry.emitToString())
        #expect(s.filter { $0.name == "selfconnect_self_connects_total" }.map(\.value) == [0])
        #expect(s.value("selfconnect_simultaneous_opens_total") == 1)
        #expect(s.value("selfconnect_tracing") == 1)
    }

    @Test func theTextfileIsReplacedWholeAndNoTemporaryFileStays() throws {
        var template = Array("/tmp/selfconnect-textfile-XXXXXX".utf8CString)
        let dir = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer {
            unlink("\(dir)/selfconnect.prom")
            rmdir(dir)
        }
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(name: "selfconnect_test_total")
        try Textfile.write(registry, to: dir)
        counter.increment()
        try Textfile.write(registry, to: dir)
        let text = try #require(readWhole("\(dir)/selfconnect.prom"))
        #expect(text == registry.emitToString())
        #expect(samples(text).value("selfconnect_test_total") == 1)
        #expect(directoryNames(dir) == ["selfconnect.prom"])
        #expect(throws: WatchError.self) { try Textfile.write(registry, to: "\(dir)/missing") }
    }
}

private func readWhole(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func directoryNames(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
