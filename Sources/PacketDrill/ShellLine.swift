/// What a backtick shell line does to a run: the sysctl assignments in it (and in the shell files it runs), the
/// commands that leave the engine as it is, and the commands we cannot model, each named.
///
/// Recognised: `sysctl [-q] [-w] NAME=VALUE...` (Linux and FreeBSD), `echo VALUE > /proc/sys/...`, the kernel
/// selftests' `set_sysctls.py /proc/sys/...=VALUE...`, a `*.sh` file run by path (read, relative to the script's
/// folder, and interpreted line by line: Google's `defaults.sh`), `/tmp/sysctl_restore_*.sh` (undoes
/// `set_sysctls.py`), `ip tcp_metrics flush` (the engine keeps no metrics cache), `tc qdisc` adding a `pfifo`
/// (`limit 0` drops everything: `HostStack.transmitQueueDrops`), adding or replacing it with `fq` (pacing:
/// `FairQueueDevice`) or deleting the root queue. Shell arithmetic `$((a*b))` in
/// values is evaluated. Anything else is an unsupported command.
enum ShellEffect: Hashable, Sendable {
    /// `saved`: written by `set_sysctls.py`, which saves the old value for the restore script.
    case sysctl(name: String, value: String, saved: Bool = false)
    /// Undo the sysctls `set_sysctls.py` wrote.
    case restore
    /// `tc qdisc` on the tun device: whether its queue now drops every packet (`pfifo limit 0`).
    case transmitQueueDrops(Bool)
    /// `tc qdisc` on the tun device: whether its root queue is now `fq`, which holds each packet until the departure
    /// time TCP gave it (`FairQueueDevice`).
    case fairQueue(Bool)
    /// The file at the path now holds these bytes (`dd if=/dev/zero of=PATH bs=B count=N`), for a later `open`.
    case writeFile(path: String, bytes: [UInt8])
    /// `rm -f PATH...`.
    case removeFile(path: String)
    case unsupported(String)
}

struct ShellInterpreter {
    /// Reads a file by path; nil when it cannot.
    var readFile: (String) -> String?
    /// The folder of the script, for relative paths.
    var directory: String

    func effects(of text: String, depth: Int = 0) -> [ShellEffect] {
        var out: [ShellEffect] = []
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#"), line[..<hash].last.map({ $0 == " " || $0 == "\t" }) ?? true {
                line = line[..<hash]
            }
            let words = Self.words(String(line))
            guard let first = words.first else { continue }
            out += command(first, Array(words.dropFirst()), text: String(line), depth: depth)
        }
        return out
    }

    private func command(_ name: String, _ args: [String], text: String, depth: Int) -> [ShellEffect] {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        if name == "#!/bin/bash" || name.hasPrefix("#!") { return [] }
        switch base {
        case "sysctl":
            let assignments = args.filter { !$0.hasPrefix("-") && !Self.isRedirection($0) }
            if assignments.isEmpty { return [.unsupported(Self.trim(text))] }
            return assignments.map { a in
                guard let eq = a.firstIndex(of: "=") else { return .unsupported("sysctl \(a) (a read, not a write)") }
                // sysctl(8) takes '/' for '.' in a name (procps: net/ipv4/tcp_rmem).
                let name = String(a[..<eq].map { $0 == "/" ? "." : $0 })
                return .sysctl(name: name, value: Self.unquote(String(a[a.index(after: eq)...])))
            }
        case "echo":
            // echo VALUE > /proc/sys/net/ipv4/NAME
            guard let gt = args.firstIndex(of: ">"), gt + 1 < args.count, args[(gt + 1)...].count == 1,
                let sysctl = Self.procName(args[gt + 1])
            else { return [.unsupported(Self.trim(text))] }
            return [.sysctl(name: sysctl, value: args[..<gt].map(Self.unquote).joined(separator: " "))]
        case "set_sysctls.py":
            return args.map { a in
                guard let eq = a.firstIndex(of: "="), let sysctl = Self.procName(String(a[..<eq])) else {
                    return .unsupported("set_sysctls.py \(a)")
                }
                return .sysctl(name: sysctl, value: Self.unquote(String(a[a.index(after: eq)...])), saved: true)
            }
        case "ip" where args.starts(with: ["tcp_metrics", "flush"]):
            return []
        case "tc" where args.starts(with: ["qdisc"]):
            return [Self.qdisc(Array(args.dropFirst()).filter { !Self.isRedirection($0) }) ?? .unsupported(Self.trim(text))]
        case "rm":
            let paths = args.filter { !$0.hasPrefix("-") }
            if paths.isEmpty || args.contains(where: { $0.hasPrefix("-") && $0 != "-f" }) { return [.unsupported(Self.trim(text))] }
            return paths.map { .removeFile(path: $0) }
        case "dd":
            return [Self.dd(args) ?? .unsupported(Self.trim(text))]
        default:
            if base.hasPrefix("sysctl_restore_") && base.hasSuffix(".sh") { return [.restore] }
            if base.hasSuffix(".sh") {
                let path = name.hasPrefix("/") ? name : directory + "/" + name
                guard depth < 4, var body = readFile(path) else { return [.unsupported("\(name) (cannot read \(path))")] }
                // A checkout without symlinks stores a link as a file holding its target, relative to the link's
                // folder (git's core.symlinks=false): follow it from there, as the kernel would the link.
                if let target = Self.linkTarget(body), let folder = path.lastIndex(of: "/"),
                   let linked = readFile(String(path[...folder]) + target) {
                    body = linked
                }
                return effects(of: body, depth: depth + 1)
            }
            return [.unsupported(Self.trim(text))]
        }
    }

    /// `tc qdisc delete dev tun0 root` (the default queue again), `tc qdisc add dev tun0 root pfifo [limit N]`: a
    /// FIFO that drops everything when its limit is 0; other queues are not modelled.
    static func qdisc(_ args: [String]) -> ShellEffect? {
        guard args.count >= 4, args[1] == "dev", args[3] == "root" else { return nil }
        if (args[0] == "add" || args[0] == "replace") && args.count == 5 && args[4] == "fq" { return .fairQueue(true) }
        switch args[0] {
        case "delete", "del": return args.count == 4 ? .transmitQueueDrops(false) : nil
        case "add":
            guard args.count > 4, args[4] == "pfifo" else { return nil }
            if args.count == 5 { return .transmitQueueDrops(false) }
            guard args.count == 7, args[5] == "limit", let limit = Int(args[6]), limit >= 0 else { return nil }
            return .transmitQueueDrops(limit == 0)
        default: return nil
        }
    }

    /// `dd if=/dev/zero of=PATH bs=B count=N [status=none]`: the only input modelled is /dev/zero.
    static func dd(_ args: [String]) -> ShellEffect? {
        var operands: [String: String] = [:]
        for a in args {
            guard let eq = a.firstIndex(of: "=") else { return nil }
            operands[String(a[..<eq])] = String(a[a.index(after: eq)...])
        }
        guard operands["if"] == "/dev/zero", let path = operands["of"], let count = operands["count"].flatMap({ Int($0) }),
            let block = Int(operands["bs"] ?? "512"), count >= 0, block > 0, count * block <= 1 << 24,
            Set(operands.keys).isSubset(of: ["if", "of", "bs", "count", "status"])
        else { return nil }
        return .writeFile(path: path, bytes: [UInt8](repeating: 0, count: count * block))
    }

    /// `/proc/sys/net/ipv4/tcp_rmem` -> `net.ipv4.tcp_rmem`.
    static func procName(_ path: String) -> String? {
        guard path.hasPrefix("/proc/sys/") else { return nil }
        return path.dropFirst("/proc/sys/".count).split(separator: "/").joined(separator: ".")
    }

    static func isRedirection(_ w: String) -> Bool {
        w == ">" || w.hasPrefix(">") || w.hasPrefix("2>") || w.hasPrefix("&>") || w == "/dev/null"
    }

    /// The relative `*.sh` path a symlink stand-in holds (one line, nothing else), or nil.
    static func linkTarget(_ body: String) -> String? {
        var t = Substring(body)
        while let c = t.first, c.isWhitespace { t.removeFirst() }
        while let c = t.last, c.isWhitespace { t.removeLast() }
        guard t.hasSuffix(".sh"), !t.hasPrefix("/"), !t.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) else {
            return nil
        }
        return String(t)
    }

    static func trim(_ s: String) -> String {
        String(s.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    static func unquote(_ s: String) -> String {
        var v = s
        if v.count >= 2, let f = v.first, f == "\"" || f == "'", v.last == f { v = String(v.dropFirst().dropLast()) }
        return expandArithmetic(v)
    }

    /// `$((15*1024*1024))` -> `15728640` (integers with + - *).
    static func expandArithmetic(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.firstRange(of: "$((") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "))") else { return out + rest[open.lowerBound...] }
            let expr = rest[open.upperBound..<close.lowerBound]
            out += evaluate(expr).map(String.init) ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func evaluate(_ expr: Substring) -> Int? {
        var total = 0
        for term in expr.split(separator: "+", omittingEmptySubsequences: false) {
            var sign = 1
            var t = term
            if let minus = t.firstIndex(of: "-") { guard t[..<minus].allSatisfy({ $0 == " " }) else { return nil }; sign = -1; t = t[t.index(after: minus)...] }
            var product = 1
            for factor in t.split(separator: "*") {
                guard let n = Int(factor.filter { $0 != " " }) else { return nil }
                product *= n
            }
            total += sign * product
        }
        return total
    }

    /// Words split on blanks, with "..." and '...' kept whole (quotes kept for `unquote`).
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for c in line {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == " " || c == "\t" || c == "\r" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                if c == "\"" || c == "'" { quote = c }
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        // NAME="a b c": the quotes sit inside the word; strip them around the value.
        return words.map { w in
            guard let eq = w.firstIndex(of: "="), w.last == "\"" || w.last == "'",
                w[w.index(after: eq)...].first == w.last
            else { return w }
            return String(w[...eq]) + unquote(String(w[w.index(after: eq)...]))
        }
    }
}
