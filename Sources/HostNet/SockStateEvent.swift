import SelfConnectGuard

/// One `sock:inet_sock_set_state` record as tracefs prints it in `trace_pipe` with the `record-tgid` option:
///
/// `python3-14885 (  14885) [000] .N...   290.692017: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP
/// sport=54517 dport=54517 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1
/// oldstate=TCP_SYN_SENT newstate=TCP_SYN_RECV`
///
/// The task fields name whoever was on the CPU when the state changed, which for a state changed in softirq may be
/// another process (see ``SelfConnectTracer``).
public struct SockStateEvent: Hashable, Sendable {
    /// The running task's `comm` and thread id, and its process id (`record-tgid`) when the kernel knew it.
    public var comm: String
    public var tid: Int32
    public var tgid: Int32?
    /// The trace clock's time in seconds (the instance runs on `mono`, i.e. CLOCK_MONOTONIC).
    public var time: Double
    /// 4 (AF_INET) or 6 (AF_INET6): the socket's family; an AF_INET6 socket may carry v4-mapped addresses.
    public var family: Int
    public var local: SocketEndpoint
    public var remote: SocketEndpoint
    public var oldState: TCPSocketState
    public var newState: TCPSocketState

    public init(
        comm: String, tid: Int32, tgid: Int32?, time: Double, family: Int,
        local: SocketEndpoint, remote: SocketEndpoint, oldState: TCPSocketState, newState: TCPSocketState
    ) {
        self.comm = comm
        self.tid = tid
        self.tgid = tgid
        self.time = time
        self.family = family
        self.local = local
        self.remote = remote
        self.oldState = oldState
        self.newState = newState
    }

    /// The process to attribute the event to: the thread group when known, else the thread.
    public var pid: Int32 { tgid ?? tid }

    private static let marker = ": inet_sock_set_state: "

    /// Parses one line of `trace_pipe`; nil for any other line (other events, `[LOST n EVENTS]`, damage).
    public init?(traceLine line: Substring) {
        guard let markerRange = line.firstRange(of: Self.marker) else { return nil }
        // Header: "<comm>-<tid> (<tgid>) [cpu] flags  <seconds>". comm may hold spaces and dashes, so read it
        // from the right: the time, the flags, the cpu, the tgid in parentheses, then "comm-tid".
        let header = line[..<markerRange.lowerBound]
        guard let open = header.lastIndex(of: "("), let close = header.lastIndex(of: ")"), open < close else {
            return nil
        }
        let tgidText = header[header.index(after: open)..<close].trimmingSpaces
        let task = header[..<open].trimmingSpaces
        guard let dash = task.lastIndex(of: "-"), let tid = Int32(task[task.index(after: dash)...]) else { return nil }
        guard let timeText = header[close...].split(separator: " ").last, let time = Double(timeText) else {
            return nil
        }
        // The fields, in the order of the event's print fmt; read in one pass without building a table.
        var familyText: Substring?, sport: UInt16?, dport: UInt16?, old: TCPSocketState?, new: TCPSocketState?
        var v4: (Substring?, Substring?) = (nil, nil)
        var v6: (Substring?, Substring?) = (nil, nil)
        for pair in line[markerRange.upperBound...].split(separator: " ") {
            guard let eq = pair.firstIndex(of: "=") else { continue }
            let value = pair[pair.index(after: eq)...]
            switch pair[..<eq] {
            case "family": familyText = value
            case "sport": sport = UInt16(value)
            case "dport": dport = UInt16(value)
            case "saddr": v4.0 = value
            case "daddr": v4.1 = value
            case "saddrv6": v6.0 = value
            case "daddrv6": v6.1 = value
            case "oldstate": old = Self.state(value)
            case "newstate": new = Self.state(value)
            default: continue
            }
        }
        guard let familyText, let sport, let dport, let old, let new else { return nil }
        let family: Int
        let saddr: Substring?
        let daddr: Substring?
        switch familyText {
        case "AF_INET": (family, saddr, daddr) = (4, v4.0, v4.1)
        case "AF_INET6": (family, saddr, daddr) = (6, v6.0, v6.1)
        default: return nil
        }
        guard let saddr, let daddr, let local = SocketEndpoint(numericHost: String(saddr), port: sport),
            let remote = SocketEndpoint(numericHost: String(daddr), port: dport)
        else { return nil }
        self.init(
            comm: String(task[..<dash]), tid: tid, tgid: Int32(tgidText), time: time, family: family,
            local: local, remote: remote, oldState: old, newState: new)
    }

    private static let states: [Substring: TCPSocketState] = Dictionary(uniqueKeysWithValues: (UInt8(1)...12).map {
        (Substring("TCP_\(TCPSocketState(rawValue: $0))"), TCPSocketState(rawValue: $0))
    })

    /// `TCP_SYN_SENT` -> 2 (the names of include/net/tcp_states.h).
    private static func state(_ text: Substring) -> TCPSocketState? { states[text] }

    /// Parses `CPU:3 [LOST 17 EVENTS]`, which trace_pipe prints when the ring buffer overran.
    public static func lostEvents(in line: Substring) -> Int? {
        guard let start = line.firstRange(of: "[LOST "), let end = line.firstRange(of: " EVENTS]") else { return nil }
        return Int(line[start.upperBound..<end.lowerBound])
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
