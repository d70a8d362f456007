import TCPStack

/// Small text helpers shared by the renderers (no Foundation: fixed-point time and padding by hand).
enum TextFormat {
    /// Seconds with six decimals: `12.000345`.
    static func seconds(_ instant: Instant) -> String { seconds(nanoseconds: instant.nanoseconds) }

    static func seconds(nanoseconds: Int64) -> String {
        let sign = nanoseconds < 0 ? "-" : ""
        let micros = abs(nanoseconds) / 1_000
        let fraction = String(micros % 1_000_000)
        return "\(sign)\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// `20785` as `20,785`.
    static func grouped(_ n: Int) -> String {
        var digits = String(n.magnitude)
        var out = ""
        while digits.count > 3 {
            out = "," + String(digits.suffix(3)) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + digits + out
    }

    static func padRight(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// Escapes text for XML character data and attribute values.
    static func xml(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
