import TCPStack

/// `--explain`: one aligned line per state transition:
/// time, socket, `FROM -> TO`, what caused it, the RFC section, and the Linux function doing the same.
public enum ExplainRenderer {
    /// One aligned line per record, times relative to `origin`.
    public static func lines(_ records: [TransitionRecord], origin: Instant = .zero) -> [String] {
        let rows = records.map { r in
            [
                TextFormat.seconds(nanoseconds: r.time.nanoseconds - origin.nanoseconds),
                r.socket,
                "\(r.from.linuxName) -> \(r.to.linuxName)",
                r.cause,
                r.rfc,
                r.linux,
            ]
        }
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            var line = TextFormat.padLeft(row[0], widths[0])
            for i in 1..<row.count - 1 { line += "  " + TextFormat.padRight(row[i], widths[i]) }
            line += "  " + row[row.count - 1]
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
