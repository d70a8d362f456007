import TCPWire

/// Parses the TCP subset of packetdrill's script language into a `Script`.
/// The grammar is not line-based (as in packetdrill): every event starts with a time, a backtick command or `%{`.
public enum ScriptParser {
    /// Parses `text`; `file` names the script in errors; `defines` are the `-D` names for `#ifdef`.
    public static func parse(_ text: String, file: String, defines: Set<String> = []) throws(ScriptParseError) -> Script {
        let expanded = try Preprocessor(file: file, defines: defines).run(text)
        var parser = try Parser(lexer: Lexer(file: file, text: expanded))
        let (options, events) = try parser.parseScript()
        return Script(file: file, options: options, events: events, personality: personality(in: expanded))
    }

    /// The name after `personality:` in the first comment that has one.
    static func personality(in text: String) -> String? {
        for line in text.split(separator: "\n") {
            guard let comment = line.firstRange(of: "//") else { continue }
            let body = line[comment.upperBound...].drop(while: { $0 == " " })
            guard body.hasPrefix("personality:") else { continue }
            let name = body.dropFirst("personality:".count).drop(while: { $0 == " " })
                .prefix(while: { $0 != " " && $0 != "\t" && $0 != "\r" })
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }
}

/// Socket calls the runner executes.
let supportedSyscalls: Set<String> = [
    "socket", "bind", "listen", "accept", "connect", "read", "write", "send", "recv", "close", "shutdown",
    "setsockopt", "getsockopt", "fcntl", "sendto", "sendmsg", "recvfrom", "ioctl",
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "poll",
    "recvmsg", "open", "sendfile", "pipe", "splice",
]

/// Socket options the runner understands.
/// The options a script may set or read: those ``SocketCalls`` implements, and FreeBSD's TCP_NOOPT, which the runner
/// handles itself (RunnerSyscalls+NoOptions.swift).
let supportedSocketOptions = Set(SocketOptionName.allCases.map(\.linuxName) + ["TCP_NOOPT"])

struct Parser {
    private var lexer: Lexer
    private var token: Token
    private var lookahead: Token?
    /// The last options list had `TS val ...` (any value).
    private var anyTimestampValue = false
    /// Expressions being parsed inside one another; bounded so that nesting cannot exhaust the stack.
    private var nesting = 0
    static let maximumNesting = 64

    init(lexer: Lexer) throws(ScriptParseError) {
        self.lexer = lexer
        self.token = try self.lexer.next()
    }

    private var file: String { lexer.file }

    private func error(_ message: String, at: SourceLocation? = nil) -> ScriptParseError {
        ScriptParseError(file: file, location: at ?? token.location, message: message)
    }

    private mutating func bump() throws(ScriptParseError) {
        if let next = lookahead {
            token = next
            lookahead = nil
        } else {
            token = try lexer.next()
        }
    }

    private mutating func peek() throws(ScriptParseError) -> Token {
        if let next = lookahead { return next }
        let next = try lexer.next()
        lookahead = next
        return next
    }

    private func isPunct(_ c: Character) -> Bool { token.kind == .punct(c) }

    private mutating func expectPunct(_ c: Character, _ what: String) throws(ScriptParseError) {
        guard isPunct(c) else { throw error("expected '\(c)' \(what), found \(describe(token.kind))") }
        try bump()
    }

    private func describe(_ kind: TokenKind) -> String {
        switch kind {
        case .number(let n): "'\(n)'"
        case .hexNumber(let v): "'0x\(String(v, radix: 16))'"
        case .word(let w): "'\(w)'"
        case .string(let s): "\"\(s)\""
        case .option(let name, _): "option --\(name)"
        case .backtick: "a shell command"
        case .code: "a code block"
        case .ellipsis: "'...'"
        case .punct(let c): "'\(c)'"
        case .end: "end of file"
        }
    }

    // MARK: script

    mutating func parseScript() throws(ScriptParseError) -> ([ScriptOption], [ScriptEvent]) {
        var options: [ScriptOption] = []
        var events: [ScriptEvent] = []
        while true {
            switch token.kind {
            case .end:
                return (options, events)
            case .option(let name, let value):
                guard events.isEmpty else { throw error("option lines must come before the first event") }
                // packetdrill's grammar takes `--name="value"` as the string value, without its quotes.
                let unquoted = value.map { v in
                    v.count >= 2 && v.hasPrefix("\"") && v.hasSuffix("\"") ? String(v.dropFirst().dropLast()) : v
                }
                options.append(ScriptOption(name: name, value: unquoted, location: token.location))
                try bump()
            default:
                events.append(try parseEvent())
            }
        }
    }

    private mutating func parseEvent() throws(ScriptParseError) -> ScriptEvent {
        let start = token.location
        var time: EventTime?
        var blockingEnd: TimePoint?
        switch token.kind {
        case .backtick, .code:
            break
        case .number, .punct("+"), .punct("*"):
            time = try parseTime()
            if token.kind == .ellipsis {
                try bump()
                blockingEnd = try parseTimePoint()
            }
        default:
            throw error("expected a time, a shell command or a code block to start an event, found \(describe(token.kind))")
        }
        let bodyStart = token.location
        let body: EventBody
        switch token.kind {
        case .backtick(let command):
            body = .shell(command)
            try bump()
        case .code(let code):
            body = .code(code)
            try bump()
        case .punct("<"):
            try bump()
            body = .packet(try parsePacket(.inbound))
        case .punct(">"):
            try bump()
            body = .packet(try parsePacket(.outbound))
        case .word:
            body = .syscall(try parseSyscall())
        default:
            throw error("expected a packet ('<' or '>'), a syscall, a shell command or a code block, found \(describe(token.kind))")
        }
        if blockingEnd != nil, case .packet = body {
            throw error("only a syscall can block ('...' end time)", at: bodyStart)
        }
        return ScriptEvent(location: start, time: time, blockingEnd: blockingEnd, body: body)
    }

    // MARK: time

    private mutating func parseTime() throws(ScriptParseError) -> EventTime {
        if isPunct("*") {
            try bump()
            return .any
        }
        let low = try parseTimePoint()
        guard isPunct("~") else { return .at(low) }
        try bump()
        let highAt = token.location
        let high = try parseTimePoint()
        if high.relative == low.relative && high.microseconds < low.microseconds {
            throw error("time range ends before it starts", at: highAt)
        }
        return .range(low, high)
    }

    private mutating func parseTimePoint() throws(ScriptParseError) -> TimePoint {
        var relative = false
        if isPunct("+") {
            relative = true
            try bump()
        }
        guard case .number(let text) = token.kind else { throw error("expected a time in seconds, found \(describe(token.kind))") }
        guard let usecs = Self.microseconds(text) else { throw error("time '\(text)' is out of range or has more than 6 decimals") }
        try bump()
        return TimePoint(microseconds: usecs, relative: relative)
    }

    /// Decimal seconds to whole microseconds, exactly.
    static func microseconds(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = parts[0].isEmpty ? 0 : Int64(parts[0])
        guard let whole, whole <= 1_000_000_000 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard digits.count <= 6, let f = Int64(digits) else { return nil }
            fraction = f
            for _ in digits.count..<6 { fraction *= 10 }
        }
        return whole * 1_000_000 + fraction
    }

    // MARK: packets

    private mutating func parsePacket(_ direction: PacketDirection) throws(ScriptParseError) -> PacketSpec {
        var ecn: String?
        var quoted: (start: UInt32, end: UInt32, length: UInt32)?
        if isPunct("[") {
            try bump()
            if case .number = token.kind {
                // `[a:b(n)]` before `icmp`: the TCP segment the ICMP error quotes (nplab packetdrill's order).
                quoted = try parseQuotedSegment()
                guard case .word("icmp") = token.kind else { throw error("a quoted [a:b(n)] belongs before 'icmp'") }
                return try parseICMP(direction, quoted: quoted)
            }
            guard case .word(let w) = token.kind else { throw error("expected an ECN codepoint such as ect0 in [ ]") }
            guard ["noecn", "ect0", "ect1", "ect01", "ce"].contains(w) else { throw error("unknown ECN codepoint '\(w)'") }
            ecn = w
            try bump()
            try expectPunct("]", "after the ECN codepoint")
        }
        if case .word("icmp") = token.kind { return try parseICMP(direction, quoted: quoted) }
        var trafficClass: UInt8?, hopLimit: UInt8?
        if isPunct("(") {
            // `(tos 0x20)`, `(ttl 4)`, `(class 0x20)`, `(hlim 4)`, comma-separated: IP header fields.
            try bump()
            while true {
                guard case .word(let field) = token.kind else { throw error("expected tos, ttl, class or hlim in ( )") }
                try bump()
                switch field {
                case "tos", "class": trafficClass = try parseUInt8(field)
                case "ttl", "hlim": hopLimit = try parseUInt8(field)
                default: throw error("unknown IP header field '\(field)' (expected tos, ttl, class or hlim)")
                }
                if isPunct(",") { try bump(); continue }
                try expectPunct(")", "after the IP header fields")
                break
            }
        }
        if case .word(let protocolName) = token.kind, ["udp", "udplite", "sctp", "gre", "mpls"].contains(protocolName) {
            // packetdrill's other packet kinds: named, not run (the engine speaks TCP only).
            throw error("\(protocolName) packets are not supported (TCP only)")
        }
        let (flags, flagsText) = try parseFlags()
        let seqStart = try parseUInt32("sequence start")
        try expectPunct(":", "between sequence start and end")
        let seqEnd = try parseUInt32("sequence end")
        try expectPunct("(", "before the payload length")
        let lengthAt = token.location
        let length = try parseUInt32("payload length")
        try expectPunct(")", "after the payload length")
        guard seqEnd &- seqStart == length else {
            throw error("payload length \(length) does not match \(seqStart):\(seqEnd)", at: lengthAt)
        }
        guard length <= 65_535 else { throw error("payload length \(length) is larger than a segment", at: lengthAt) }
        var spec = PacketSpec(
            direction: direction, ecn: ecn, flags: flags, flagsText: flagsText,
            sequenceStart: seqStart, sequenceEnd: seqEnd, payloadLength: Int(length))
        spec.ipTrafficClass = trafficClass
        spec.ipHopLimit = hopLimit
        while true {
            switch token.kind {
            case .word("ack"):
                guard spec.ack == nil else { throw error("'ack' given twice") }
                try bump()
                spec.ack = try parseUInt32("ack number")
            case .word("win"):
                guard spec.window == nil else { throw error("'win' given twice") }
                try bump()
                spec.window = try parseUInt16("window")
            case .word("urg"):
                guard spec.urgentPointer == nil else { throw error("'urg' given twice") }
                try bump()
                spec.urgentPointer = try parseUInt16("urgent pointer")
            case .punct("<"):
                guard spec.options == .none else { throw error("options given twice") }
                anyTimestampValue = false
                spec.options = try parseOptions()
                spec.timestampValueAny = anyTimestampValue
            case .word(let w):
                throw error("unknown packet field '\(w)' (expected ack, win, urg or <options>)")
            case .punct("/"):
                // `... / udp(...)`: packetdrill's UDP encapsulation of the TCP packet.
                throw error("encapsulation '/ ...' after a packet is not supported")
            default:
                // packetdrill allows `ack N` without '.': the field is sent as written and checked only with the bit.
                return spec
            }
        }
    }

    /// `a:b(n)]`, the `[` already read.
    private mutating func parseQuotedSegment() throws(ScriptParseError) -> (start: UInt32, end: UInt32, length: UInt32) {
        let start = try parseUInt32("quoted sequence start")
        try expectPunct(":", "between quoted sequence start and end")
        let end = try parseUInt32("quoted sequence end")
        try expectPunct("(", "before the quoted payload length")
        let length = try parseUInt32("quoted payload length")
        try expectPunct(")", "after the quoted payload length")
        try expectPunct("]", "after the quoted segment")
        return (start, end, length)
    }

    /// `icmp TYPE [CODE] [mtu N] [[a:b(n)]]` (packetdrill's ICMP packet; `a:b(n)` is the quoted TCP segment,
    /// 0:0(0) when absent).
    private mutating func parseICMP(
        _ direction: PacketDirection, quoted given: (start: UInt32, end: UInt32, length: UInt32)?
    ) throws(ScriptParseError) -> PacketSpec {
        try bump()
        guard case .word(let type) = token.kind else { throw error("expected an ICMP type after 'icmp'") }
        try bump()
        var icmp = ICMPSpec(type: type)
        if case .word(let code) = token.kind, code != "mtu" {
            icmp.code = code
            try bump()
        }
        if case .word("mtu") = token.kind {
            try bump()
            icmp.mtu = try parseUInt16("mtu")
        }
        var quoted = given
        if quoted == nil, isPunct("[") {
            try bump()
            quoted = try parseQuotedSegment()
        }
        let q = quoted ?? (0, 0, 0)
        var spec = PacketSpec(
            direction: direction, flags: TCPFlags(), flagsText: "icmp", sequenceStart: q.start, sequenceEnd: q.end,
            payloadLength: Int(q.length))
        spec.icmp = icmp
        return spec
    }

    private mutating func parseFlags() throws(ScriptParseError) -> (TCPFlags, String) {
        var text = ""
        let start = token.location
        // `-`: no flags at all (packetdrill's lexer).
        if isPunct("-") {
            try bump()
            return (TCPFlags(), "-")
        }
        var first = true
        while first || !token.spaceBefore {
            switch token.kind {
            case .word(let w) where !w.isEmpty && !w.first!.isNumber: text += w
            case .punct("."): text += "."
            default:
                if first { throw error("expected TCP flags (S F R P . E W U), found \(describe(token.kind))") }
                return try flags(text, start)
            }
            first = false
            try bump()
        }
        return try flags(text, start)
    }

    private func flags(_ text: String, _ at: SourceLocation) throws(ScriptParseError) -> (TCPFlags, String) {
        var flags = TCPFlags()
        for c in text {
            let bit: TCPFlags
            switch c {
            case "S": bit = .syn
            case "F": bit = .fin
            case "R": bit = .rst
            case "P": bit = .psh
            case ".": bit = .ack
            case "E": bit = .ece
            case "W": bit = .cwr
            case "U": bit = .urg
            default: throw error("unknown TCP flag '\(c)' in '\(text)' (expected S F R P . E W U)", at: at)
            }
            guard !flags.contains(bit) else { throw error("TCP flag '\(c)' repeated in '\(text)'", at: at) }
            flags.insert(bit)
        }
        return (flags, text)
    }

    private mutating func parseInteger(_ what: String, max: UInt64) throws(ScriptParseError) -> UInt64 {
        let value: UInt64?
        switch token.kind {
        case .number(let text): value = text.contains(".") ? nil : UInt64(text)
        case .hexNumber(let v): value = v
        default: throw error("expected \(what), found \(describe(token.kind))")
        }
        guard let value else { throw error("\(what) must be a whole number") }
        guard value <= max else { throw error("\(what) \(value) is larger than \(max)") }
        try bump()
        return value
    }

    private mutating func parseUInt32(_ what: String) throws(ScriptParseError) -> UInt32 {
        UInt32(try parseInteger(what, max: UInt64(UInt32.max)))
    }

    private mutating func parseUInt16(_ what: String) throws(ScriptParseError) -> UInt16 {
        UInt16(try parseInteger(what, max: UInt64(UInt16.max)))
    }

    private mutating func parseUInt8(_ what: String) throws(ScriptParseError) -> UInt8 {
        UInt8(try parseInteger(what, max: UInt64(UInt8.max)))
    }

    /// `<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7,sack 1:2 3:4,eol>` or `<...>`.
    private mutating func parseOptions() throws(ScriptParseError) -> OptionsSpec {
        let start = token.location
        try expectPunct("<", "to open the options")
        if token.kind == .ellipsis {
            try bump()
            try expectPunct(">", "after '...' in the options")
            return .any
        }
        var options: [TCPOption] = []
        var length = 0
        while true {
            let optionAt = token.location
            guard case .word(let name) = token.kind else { throw error("expected a TCP option name, found \(describe(token.kind))") }
            // `FO` and `FO abcd1234`: TCP Fast Open (RFC 7413 §4.1.1, kind 34) with an optional cookie in hex.
            var cookie: [UInt8]?
            if name == "FO" && lookahead == nil {
                guard let bytes = lexer.hexBytes() else { throw error("a Fast Open cookie needs whole bytes of hex", at: optionAt) }
                cookie = bytes
            }
            try bump()
            let option: TCPOption
            switch name {
            case "FO" where cookie != nil: option = .unknown(kind: 34, data: cookie!)
            case "nop": option = .noOperation
            case "eol": option = .endOfList
            case "sackOK": option = .sackPermitted
            case "mss": option = .maxSegmentSize(try parseUInt16("mss value"))
            case "wscale":
                let shift = try parseUInt8("wscale shift")
                option = .windowScale(shift)
            case "TS":
                guard token.kind == .word("val") else { throw error("expected 'val' after TS") }
                try bump()
                var value: UInt32 = 0
                if token.kind == .ellipsis {
                    // `TS val ...` (nplab packetdrill): any TS val, one no later line names.
                    try bump()
                    anyTimestampValue = true
                } else {
                    value = try parseUInt32("TS val")
                }
                guard token.kind == .word("ecr") else { throw error("expected 'ecr' after the TS val") }
                try bump()
                option = .timestamps(value: value, echoReply: try parseUInt32("TS ecr"))
            case "sack":
                var blocks: [SACKBlock] = []
                while case .number = token.kind {
                    let left = try parseUInt32("SACK block start")
                    try expectPunct(":", "inside a SACK block")
                    blocks.append(SACKBlock(left: left, right: try parseUInt32("SACK block end")))
                }
                guard !blocks.isEmpty else { throw error("'sack' needs at least one block a:b") }
                option = .sack(blocks)
            default:
                throw error("unsupported TCP option '\(name)' (expected mss, wscale, sackOK, sack, TS, FO, nop, eol)", at: optionAt)
            }
            length += option.encodedLength
            guard length <= TCPOptions.capacity else {
                throw error("options take \(length) bytes, more than the 40 a TCP header holds", at: optionAt)
            }
            options.append(option)
            if isPunct(",") {
                try bump()
                continue
            }
            guard isPunct(">") else {
                throw error("expected ',' or '>' in the options opened at \(start), found \(describe(token.kind))")
            }
            try bump()
            return .list(options)
        }
    }

    // MARK: syscalls

    private mutating func parseSyscall() throws(ScriptParseError) -> SyscallSpec {
        let nameAt = token.location
        guard case .word(let name) = token.kind else { throw error("expected a syscall name") }
        guard supportedSyscalls.contains(name) else {
            throw error("unsupported syscall '\(name)'", at: nameAt)
        }
        try bump()
        try expectPunct("(", "after the syscall name")
        var arguments: [ScriptExpression] = []
        if !isPunct(")") {
            while true {
                arguments.append(try parseExpression())
                if isPunct(",") {
                    try bump()
                    continue
                }
                break
            }
        }
        try expectPunct(")", "to close the arguments of \(name)")
        try expectPunct("=", "before the return value of \(name)")
        let resultLine = token.location.line
        let result = try parseExpression()
        var spec = SyscallSpec(name: name, arguments: arguments, result: result)
        if case .word(let errno) = token.kind {
            guard errno.first == "E", errno.allSatisfy({ $0.isUppercase || $0.isNumber }) else {
                throw error("expected an errno name such as ECONNREFUSED, found '\(errno)'")
            }
            spec.errno = errno
            try bump()
        }
        // A note in parentheses: `(Connection refused)` after an errno, `(flags O_RDWR)` after a value.
        if isPunct("(") && lookahead == nil && token.location.line == resultLine {
            let at = token.location
            guard let text = lexer.rawText(until: UInt8(ascii: ")")) else {
                throw error("\(spec.errno == nil ? "note" : "errno explanation") is not closed by ')' on its line", at: at)
            }
            spec.errnoText = text
            try bump()
        }
        try check(spec, at: nameAt)
        return spec
    }

    private mutating func parseExpression() throws(ScriptParseError) -> ScriptExpression {
        guard nesting < Self.maximumNesting else {
            throw error("expressions nested more than \(Self.maximumNesting) deep")
        }
        nesting += 1
        defer { nesting -= 1 }
        var value = try parsePrimary()
        while isPunct("|") {
            try bump()
            value = .bitOr(value, try parsePrimary())
        }
        return value
    }

    private mutating func parsePrimary() throws(ScriptParseError) -> ScriptExpression {
        switch token.kind {
        case .number(let text):
            guard !text.contains("."), let v = Int64(text) else { throw error("expected a whole number, found '\(text)'") }
            try bump()
            return .integer(v)
        case .hexNumber(let v):
            guard v <= UInt64(Int64.max) else { throw error("number is too large") }
            try bump()
            return .integer(Int64(v))
        case .punct("-"):
            try bump()
            guard case .number(let text) = token.kind, !text.contains("."), let v = Int64(text) else {
                throw error("expected a whole number after '-'")
            }
            try bump()
            return .integer(-v)
        case .string(let s):
            try bump()
            return .string(s)
        case .ellipsis:
            try bump()
            return .ellipsis
        case .word(let w):
            try bump()
            guard isPunct("(") else { return .identifier(w) }
            try bump()
            var arguments: [ScriptExpression] = []
            if !isPunct(")") {
                while true {
                    arguments.append(try parseExpression())
                    guard isPunct(",") else { break }
                    try bump()
                }
            }
            try expectPunct(")", "to close \(w)(")
            return .call(w, arguments)
        case .punct("["):
            try bump()
            var items: [ScriptExpression] = []
            if !isPunct("]") {
                while true {
                    items.append(try parseExpression())
                    guard isPunct(",") else { break }
                    try bump()
                }
            }
            try expectPunct("]", "to close the array")
            return .array(items)
        case .punct("{"):
            try bump()
            var fields: [StructField] = []
            if !isPunct("}") {
                while true {
                    var name: String?
                    if case .word(let w) = token.kind, try peek().kind == .punct("=") {
                        name = w
                        try bump()
                        try bump()
                    }
                    var value = try parseExpression()
                    // `msg_iov(1)=[...]`: a field named with its element count.
                    if name == nil, case .call(let w, _) = value, isPunct("=") {
                        name = w
                        try bump()
                        value = try parseExpression()
                    }
                    fields.append(StructField(name: name, value: value))
                    guard isPunct(",") else { break }
                    try bump()
                }
            }
            try expectPunct("}", "to close the structure")
            return .structure(fields)
        default:
            throw error("expected an expression, found \(describe(token.kind))")
        }
    }

    /// Checks the option names of setsockopt/getsockopt and the commands of fcntl.
    private func check(_ call: SyscallSpec, at: SourceLocation) throws(ScriptParseError) {
        switch call.name {
        case "setsockopt", "getsockopt":
            guard call.arguments.count == 5 else { throw error("\(call.name) takes 5 arguments, found \(call.arguments.count)", at: at) }
            guard case .identifier(let option) = call.arguments[2], supportedSocketOptions.contains(option) else {
                throw error("unsupported socket option in \(call.name) (supported: \(supportedSocketOptions.sorted().joined(separator: ", ")))", at: at)
            }
        case "fcntl":
            guard call.arguments.count >= 2, case .identifier(let command) = call.arguments[1],
                command == "F_GETFL" || command == "F_SETFL"
            else { throw error("fcntl supports F_GETFL and F_SETFL only", at: at) }
        default:
            break
        }
    }
}
