import TCPStack
import TCPWire

/// `netstat -tn` output: listening sockets are left out ("w/o servers"), and every line uses net-tools'
/// `"%-4s  %6ld %6ld %-23s %-23s %-11s"` layout, trailing padding included.
public enum NetstatRenderer {
    /// The two heading lines netstat prints first.
    public static let headerLines = [
        "Active Internet connections (w/o servers)",
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ",
    ]

    /// The rows without listeners and closed sockets, under the heading lines if `header`.
    public static func lines(_ rows: [ConnectionRow], header: Bool = true) -> [String] {
        let shown = rows.filter { $0.state != .listen && $0.state != .closed }
        return (header ? headerLines : []) + shown.map(line)
    }

    /// One row in net-tools' column layout.
    public static func line(_ row: ConnectionRow) -> String {
        let proto = row.local.address.isIPv6 ? "tcp6" : "tcp"
        return TextFormat.padRight(proto, 4) + "  "
            + TextFormat.padLeft(String(row.receiveQueue), 6) + " "
            + TextFormat.padLeft(String(row.sendQueue), 6) + " "
            + TextFormat.padRight(AddressText.endpoint(row.local), 23) + " "
            + TextFormat.padRight(AddressText.endpoint(row.remote), 23) + " "
            + TextFormat.padRight(row.state.linuxName, 11)
    }
}
