import TCPWire

/// Where something is in a script: 1-based line and column.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// One point in script time, in microseconds. `relative` times (`+0.1`) count from the previous event.
public struct TimePoint: Hashable, Sendable {
    public var microseconds: Int64
    public var relative: Bool
    public init(microseconds: Int64, relative: Bool) {
        self.microseconds = microseconds
        self.relative = relative
    }
}

/// When an event happens: `*` (any time), a point, or a `lo~hi` range.
public enum EventTime: Hashable, Sendable {
    case any
    case at(TimePoint)
    case range(TimePoint, TimePoint)
}

public enum PacketDirection: Hashable, Sendable {
    /// `<`: the script injects the packet into the stack under test.
    case inbound
    /// `>`: the stack under test must send the packet.
    case outbound
}

/// The options part of a packet line.
public enum OptionsSpec: Hashable, Sendable {
    /// No `<...>` list: the packet carries no options.
    case none
    /// `<...>`: options are not checked.
    case any
    case list([TCPOption])
}

/// A TCP packet line: `< S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>`.
public struct PacketSpec: Hashable, Sendable {
    public var direction: PacketDirection
    /// The IP ECN codepoint in brackets (`[ect0]`, `[noecn]`, ...), if given.
    public var ecn: String?
    public var flags: TCPFlags
    /// The flags as written (`S.`), for messages.
    public var flagsText: String
    public var sequenceStart: UInt32
    public var sequenceEnd: UInt32
    public var payloadLength: Int
    public var ack: UInt32?
    public var window: UInt16?
    public var urgentPointer: UInt16?
    public var options: OptionsSpec
    /// An ICMP error instead of a TCP segment; the sequence fields then hold the quoted segment's `[a:b(n)]`.
    public var icmp: ICMPSpec?
    /// IP header fields written before the flags (nplab packetdrill): `(tos 0x20)` / `(class 0x20)` is the IPv4
    /// TOS or IPv6 traffic class byte, `(ttl 4)` / `(hlim 4)` the TTL or hop limit. Sent inbound, checked outbound.
    public var ipTrafficClass: UInt8?
    public var ipHopLimit: UInt8?
    /// `TS val ...`: the TS val is not checked nor remembered.
    public var timestampValueAny = false

    public init(
        direction: PacketDirection, ecn: String? = nil, flags: TCPFlags, flagsText: String,
        sequenceStart: UInt32, sequenceEnd: UInt32, payloadLength: Int,
        ack: UInt32? = nil, window: UInt16? = nil, urgentPointer: UInt16? = nil, options: OptionsSpec = .none
    ) {
        self.direction = direction
        self.ecn = ecn
        self.flags = flags
        self.flagsText = flagsText
        self.sequenceStart = sequenceStart
        self.sequenceEnd = sequenceEnd
        self.payloadLength = payloadLength
        self.ack = ack
        self.window = window
        self.urgentPointer = urgentPointer
        self.options = options
    }
}

/// `icmp TYPE [CODE] [mtu N]`: an ICMP (or ICMPv6, by the script's IP version) error, by packetdrill's names.
public struct ICMPSpec: Hashable, Sendable {
    public var type: String
    public var code: String?
    public var mtu: UInt16?

    public init(type: String, code: String? = nil, mtu: UInt16? = nil) {
        self.type = type
        self.code = code
        self.mtu = mtu
    }
}

/// A syscall argument or return-value expression.
public indirect enum ScriptExpression: Hashable, Sendable {
    case integer(Int64)
    case identifier(String)
    case string(String)
    /// `...`: any value / not checked.
    case ellipsis
    /// `[1]`: an array, also how packetdrill writes a pointer to an int.
    case array([ScriptExpression])
    /// `{l_onoff=1, l_linger=0}`.
    case structure([StructField])
    /// `O_RDWR|O_NONBLOCK`.
    case bitOr(ScriptExpression, ScriptExpression)
    /// `htons(8080)`, `inet_addr("1.2.3.4")`.
    case call(String, [ScriptExpression])

    public var integerValue: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }
}

public struct StructField: Hashable, Sendable {
    public var name: String?
    public var value: ScriptExpression
    public init(name: String?, value: ScriptExpression) {
        self.name = name
        self.value = value
    }
}

/// `connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)`.
public struct SyscallSpec: Hashable, Sendable {
    public var name: String
    public var arguments: [ScriptExpression]
    public var result: ScriptExpression
    public var errno: String?
    public var errnoText: String?

    public init(
        name: String, arguments: [ScriptExpression], result: ScriptExpression,
        errno: String? = nil, errnoText: String? = nil
    ) {
        self.name = name
        self.arguments = arguments
        self.result = result
        self.errno = errno
        self.errnoText = errnoText
    }
}

public enum EventBody: Hashable, Sendable {
    case packet(PacketSpec)
    case syscall(SyscallSpec)
    /// A backtick shell command: recognised, not supported.
    case shell(String)
    /// A `%{ ... }%` code block: recognised, not supported.
    case code(String)
}

public struct ScriptEvent: Hashable, Sendable {
    public var location: SourceLocation
    /// nil for a shell or code line written without a time.
    public var time: EventTime?
    /// `0.1...0.3 accept(...)`: a blocking call returns at this time.
    public var blockingEnd: TimePoint?
    public var body: EventBody

    public init(location: SourceLocation, time: EventTime?, blockingEnd: TimePoint? = nil, body: EventBody) {
        self.location = location
        self.time = time
        self.blockingEnd = blockingEnd
        self.body = body
    }

    public var isOutboundPacket: Bool {
        if case .packet(let p) = body { return p.direction == .outbound }
        return false
    }

    public var isUnsupported: Bool {
        switch body {
        case .shell, .code: true
        case .packet, .syscall: false
        }
    }
}

/// `--tolerance_usecs=4000`.
public struct ScriptOption: Hashable, Sendable {
    public var name: String
    public var value: String?
    public var location: SourceLocation
    public init(name: String, value: String?, location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}

/// A parsed script.
public struct Script: Hashable, Sendable {
    public var file: String
    public var options: [ScriptOption]
    public var events: [ScriptEvent]
    /// From a `// personality: linux-6` comment, if present.
    public var personality: String?

    public init(file: String, options: [ScriptOption], events: [ScriptEvent], personality: String?) {
        self.file = file
        self.options = options
        self.events = events
        self.personality = personality
    }

    /// The value of the last `--name=value` option line, if any.
    public func option(_ name: String) -> String? {
        options.last(where: { $0.name == name })?.value
    }
}

/// A parse error: one line, `file:line:column: message`.
public struct ScriptParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var location: SourceLocation
    public var message: String

    public init(file: String, location: SourceLocation, message: String) {
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String { "\(file):\(location.line):\(location.column): error: \(message)" }
}
