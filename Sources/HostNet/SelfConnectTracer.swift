import SelfConnectGuard

/// What `trace` reports: a socket that took SYN_SENT -> SYN_RECV (a simultaneous open, RFC 9293 §3.10.7.3), labelled
/// a self-connect when its two ends are the same endpoint, and optionally its end.
public enum TraceOutput: Hashable, Sendable {
    case opened(TraceOpen)
    case closed(TraceClose)
}

public enum TraceKind: String, Hashable, Sendable {
    case selfConnect = "self-connect"
    case simultaneousOpen = "simultaneous-open"
}

/// Where a process lives, looked up from /proc at once (the tracepoint itself carries no namespace).
public struct ProcessDetails: Hashable, Sendable {
    public var cmdline: String?
    /// The inode of `/proc/PID/ns/net`, and the `/run/netns` name holding the same namespace, if any.
    public var netns: UInt64?
    public var netnsName: String?

    public init(cmdline: String?, netns: UInt64?, netnsName: String?) {
        self.cmdline = cmdline
        self.netns = netns
        self.netnsName = netnsName
    }
}

public struct TraceOpen: Hashable, Sendable {
    public var kind: TraceKind
    /// The SYN_SENT -> SYN_RECV record.
    public var event: SockStateEvent
    /// The process that called connect(): the task of the socket's CLOSE -> SYN_SENT record when it was seen,
    /// else the task that was running when the state changed.
    public var pid: Int32
    public var comm: String
    /// True when `pid` comes from the connect() record rather than from whoever ran the softirq.
    public var ownerFromConnect: Bool
    public var process: ProcessDetails
}

public struct TraceClose: Hashable, Sendable {
    public var open: TraceOpen
    /// The CLOSE record; its old state says how the socket ended (CLOSING or LAST_ACK: orderly close, then
    /// TIME_WAIT; ESTABLISHED or SYN_RECV: reset or abort).
    public var event: SockStateEvent
    public var lifetime: Double { event.time - open.event.time }
}

/// Turns `inet_sock_set_state` records into ``TraceOutput``s. Pure: process details come from `lookup`.
/// Its tables are bounded: `maxConnecting` sockets between connect() and their fate, `maxOpen` sockets awaiting
/// their close; past that the oldest entries are forgotten.
public struct SelfConnectTracer {
    struct Key: Hashable {
        var local: SocketEndpoint
        var remote: SocketEndpoint
    }
    struct Task {
        var pid: Int32
        var comm: String
    }

    private var connecting = BoundedTable<Key, Task>(capacity: 65_536)
    private var open = BoundedTable<Key, TraceOpen>(capacity: 4_096)
    private let lookup: (Int32) -> ProcessDetails

    public init(lookup: @escaping (Int32) -> ProcessDetails) {
        self.lookup = lookup
    }

    /// Whether a socket reported open awaits its CLOSE record; when not, every CLOSE record is someone else's.
    public var awaitsClose: Bool { !open.isEmpty }

    public mutating func consume(_ event: SockStateEvent) -> TraceOutput? {
        let key = Key(local: event.local, remote: event.remote)
        switch (event.oldState.rawValue, event.newState.rawValue) {
        case (7, 2):
            // connect(): runs in the caller's context, so this task owns the socket.
            connecting[key] = Task(pid: event.pid, comm: event.comm)
            return nil
        case (2, 3):
            let owner = connecting.remove(key)
            let pid = owner?.pid ?? event.pid
            let kind: TraceKind = isSelfConnection(event.local, event.remote) ? .selfConnect : .simultaneousOpen
            let found = TraceOpen(
                kind: kind, event: event, pid: pid, comm: owner?.comm ?? event.comm, ownerFromConnect: owner != nil,
                process: lookup(pid))
            open[key] = found
            return .opened(found)
        case (_, 7):
            guard let found = open.remove(key) else { return nil }
            return .closed(TraceClose(open: found, event: event))
        default:
            return nil
        }
    }
}

/// A dictionary that forgets its oldest insertions beyond `capacity`.
struct BoundedTable<Key: Hashable, Value> {
    private var values: [Key: Value] = [:]
    private var order: [Key] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var isEmpty: Bool { values.isEmpty }

    subscript(key: Key) -> Value? {
        get { values[key] }
        set {
            guard let newValue else {
                values[key] = nil
                return
            }
            if values.updateValue(newValue, forKey: key) == nil { order.append(key) }
            while values.count > capacity, head < order.count {
                values[order[head]] = nil
                head += 1
            }
            // The order list keeps removed keys until compacted: compact when it is twice the live size.
            if order.count - head > 2 * capacity || head > capacity {
                order = order[head...].filter { values[$0] != nil }
                head = 0
            }
        }
    }

    mutating func remove(_ key: Key) -> Value? {
        values.removeValue(forKey: key)
    }
}
