#if canImport(Glibc)
import Glibc
#endif
import SelfConnectGuard
import TCPWire

/// `trace`'s output: one human line or one JSON object per ``TraceOutput``.
///
/// JSON keys (schema: docs/json/trace.schema.json), in this order: `version` (1), `event` (`self-connect`, `simultaneous-open` or `closed`), `time` (UTC,
/// microseconds), `kernel_time` (CLOCK_MONOTONIC seconds of the record), `pid`, `comm`, `cmdline` (null once the
/// process is gone), `owner` (`connect` when the pid is the connect() caller, `cpu` when it is whoever ran when the
/// state changed), `family` (4 or 6), `local` and `remote` (`{address, port}`), `netns` (inode of the process's
/// network namespace, read from /proc at once, null if the process is gone), `netns_name` (its /run/netns name or
/// null); `closed` adds `kind`, `lifetime_us` and `end_state` (the state before CLOSE).
public enum TraceReportFormat {
    public static func json(_ output: TraceOutput, wallTime: Double) -> String {
        switch output {
        case .opened(let open):
            return JSONValue.object(
                [("version", .int(1)), ("event", .string(open.kind.rawValue))] + common(open, open.event, wallTime))
            .compact
        case .closed(let close):
            return JSONValue.object(
                [("version", .int(1)), ("event", .string("closed"))] + common(close.open, close.event, wallTime) + [
                    ("kind", .string(close.open.kind.rawValue)),
                    ("lifetime_us", .number(close.lifetime * 1e6, digits: 0)),
                    ("end_state", .string(close.event.oldState.description)),
                ]).compact
        }
    }

    public static func human(_ output: TraceOutput, wallTime: Double) -> String {
        switch output {
        case .opened(let open):
            let e = open.event
            let ns = open.process.netnsName.map { "netns \($0)" } ?? open.process.netns.map { "net:[\($0)]" } ?? "netns ?"
            let what = open.kind == .selfConnect ? "SELF-CONNECT" : "simultaneous-open"
            return "\(utc(wallTime)) \(what) \(endpoint(e.local)) -> \(endpoint(e.remote)) IPv\(e.family) "
                + "pid \(open.pid) (\(printable(open.comm))) \(ns) cmdline: \(printable(open.process.cmdline ?? "?"))"
        case .closed(let close):
            let e = close.event
            return "\(utc(wallTime)) closed \(close.open.kind.rawValue) \(endpoint(e.local)) -> \(endpoint(e.remote)) "
                + "after \(JSONValue.decimal(close.lifetime * 1e6, digits: 0) ?? "?") us from \(e.oldState)"
        }
    }

    /// Control characters (a command line may hold newlines) as `\n`, `\t` or `\xHH`, so one report stays one line.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The wall-clock time of a CLOCK_MONOTONIC instant, by the current offset between the two clocks.
    public static func wallTime(ofMonotonic t: Double) -> Double {
        var real = timespec()
        var mono = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        clock_gettime(CLOCK_MONOTONIC, &mono)
        let offset = (Double(real.tv_sec) - Double(mono.tv_sec)) + (Double(real.tv_nsec) - Double(mono.tv_nsec)) / 1e9
        return t + offset
    }

    private static func common(_ open: TraceOpen, _ e: SockStateEvent, _ wall: Double) -> [(String, JSONValue)] {
        [
            ("time", .string(utc(wall))),
            ("kernel_time", .number(e.time, digits: 6)),
            ("pid", .int(Int64(open.pid))),
            ("comm", .string(open.comm)),
            ("cmdline", .string(open.process.cmdline)),
            ("owner", .string(open.ownerFromConnect ? "connect" : "cpu")),
            ("family", .int(Int64(e.family))),
            ("local", endpointJSON(e.local)),
            ("remote", endpointJSON(e.remote)),
            ("netns", .int(open.process.netns)),
            ("netns_name", .string(open.process.netnsName)),
        ]
    }

    private static func endpointJSON(_ e: SocketEndpoint) -> JSONValue {
        .object([("address", .string(e.address.description)), ("port", .int(Int64(e.port)))])
    }

    private static func endpoint(_ e: SocketEndpoint) -> String {
        if case .v6 = e.address { return "[\(e.address)]:\(e.port)" }
        return "\(e.address):\(e.port)"
    }

    /// `2026-12-04T17:52:52.123456Z`.
    static func utc(_ seconds: Double) -> String {
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let micros = Int((seconds - seconds.rounded(.down)) * 1e6)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let frac = String(micros)
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - frac.count) + frac + "Z"
    }
}
