#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NetSim
import TCPStack

/// `selfconnect-bench blind`: 1,000,000 blind RST, SYN and data segments (random sequence and ACK numbers, the
/// 4-tuple known; RFC 5961 §3-5) at 100,000/s of simulated time against both ends of an ESTABLISHED connection
/// moving 2 MB/s each way, under linux-3.10, linux-4.6, linux-6 and rfc9293. One line per personality: the most
/// challenge ACKs one end sent in a second, against the personality's limit as baseline (rfc9293 sets none: the
/// baseline is then the blind segments per second). The run fails (exit 1) on any reset, any byte lost or altered,
/// or a challenge ACK beyond the limits. `SELFCONNECT_BENCH_BLIND_SEGMENTS` changes the count.
enum BlindBench {
    static func run() {
        let segments = ProcessInfo.processInfo.environment["SELFCONNECT_BENCH_BLIND_SEGMENTS"].flatMap(Int.init) ?? 1_000_000
        for configuration in [TCPConfiguration.linux310, .linux46, .linux6, .rfc9293] {
            var options = BlindAttack.Options(configuration: configuration)
            options.segments = segments
            let start = Date()
            let attack = BlindAttack(options)
            let wall = Date().timeIntervalSince(start)
            let acks = attack.challengeAcks(against: configuration)
            let resets = attack.ends.map(\.resets).reduce(0, +)
            let bytes = attack.ends.map(\.sent.count).reduce(0, +)
            let perSocket = configuration.challengeAckInterval.map { 1.0 / (Double($0.components.attoseconds) / 1e18 + Double($0.components.seconds)) }
            // Per end: each end is one host with one socket.
            let limit = [configuration.challengeAckLimitPerSecond.map(Double.init), perSocket]
                .compactMap { $0 }.min() ?? Double(options.segmentsPerSecond)
            let gap = acks.shortestGap.map { "\($0)" } ?? "none"
            let note = "\(segments) blind segments (rst \(attack.injected.rst), syn \(attack.injected.syn), "
                + "data \(attack.injected.data)) over \(attack.duration) simulated, \(String(format: "%.1f", wall)) s wall; "
                + "resets \(resets); \(bytes) bytes \(attack.intact ? "byte-identical" : "LOST OR ALTERED"); "
                + "challenge ACKs \(acks.total), rate-limited dup ACKs \(acks.limitedDupAcks), shortest gap \(gap), limits: per socket "
                + "\(configuration.challengeAckInterval.map { "\($0)" } ?? "none"), per second "
                + "\(configuration.challengeAckLimitPerSecond.map(String.init) ?? "none")"
            BenchSupport.emit(bench: "blind-\(configuration.name)", value: Double(acks.mostInOneSecond),
                              unit: "challenge ACKs/s", baseline: limit, note: note)
            guard resets == 0, attack.intact, acks.withinLimits else {
                BenchSupport.fail(bench: "blind-\(configuration.name)", BlindFailure(note: note))
            }
        }
    }

    struct BlindFailure: Error, CustomStringConvertible {
        var note: String
        var description: String { "blind attack broke the connection: \(note)" }
    }
}
