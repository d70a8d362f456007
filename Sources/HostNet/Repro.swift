import TCPWire
#if canImport(Glibc)
import Glibc
#endif
import SelfConnectGuard

/// How to run a reproduction.
public struct ReproOptions: Sendable {
    /// The address and port the client dials; the self-connect lands on exactly this endpoint.
    public var destination: SocketEndpoint
    /// bind(destination) before connect(destination): a self-connect in one attempt.
    public var bindFirst = false
    public var maxAttempts = 200_000
    /// Seconds.
    public var timeLimit = 60.0
    /// A per-socket ephemeral range (`IP_LOCAL_PORT_RANGE`, Linux >= 6.3), to make the natural loop fast in tests.
    public var localPortRange: ClosedRange<UInt16>?
    /// What the client writes once connected; it reads the same bytes back from itself.
    public var message = Array("selfconnect\r\n".utf8)

    public init(destination: SocketEndpoint) { self.destination = destination }
}

/// A progress sample, delivered a few times a second while the loop runs.
public struct ReproProgress: Sendable {
    public var attempts: Int
    public var elapsed: Double
    public var currentSourcePort: UInt16?
    public var attemptsPerSecond: Double { elapsed > 0 ? Double(attempts) / elapsed : 0 }
}

/// How a run ended.
public enum ReproOutcome: Equatable, Sendable {
    /// The socket connected to itself and read back what it wrote.
    case selfConnected(local: SocketEndpoint, remote: SocketEndpoint, echoed: [UInt8])
    /// The attempt or time budget ran out.
    case notReached(reason: String)
    /// `interrupted` reported this signal (SIGINT, SIGTERM...) before either happened.
    case interrupted(signal: Int32)
}

public struct ReproResult: Sendable {
    public var outcome: ReproOutcome
    public var attempts: Int
    /// Attempts that failed with ECONNREFUSED (the normal case) and EADDRNOTAVAIL (no free source port).
    public var refused: Int
    public var addressUnavailable: Int
    /// Seconds.
    public var elapsed: Double
    /// Source ports of the first and of the last attempt.
    public var firstSourcePort: UInt16?
    public var lastSourcePort: UInt16?
    public var attemptsPerSecond: Double { elapsed > 0 ? Double(attempts) / elapsed : 0 }
}

/// Reproduces a self-connect against the live kernel, bounded in attempts and time.
public enum Repro {
    /// Runs the natural loop (socket, connect, ECONNREFUSED, close, repeat) or, with `bindFirst`, one bound attempt.
    /// Every socket is closed before this returns; the self-connected one after its echo, which leaves (P, P) in
    /// TIME_WAIT like any actively closed connection. `interrupted` is asked every 64 attempts; a signal number
    /// ends the run there with the counts so far.
    public static func run(
        _ options: ReproOptions, clock: MonotonicClock = MonotonicClock(),
        progress: ((ReproProgress) -> Void)? = nil, interrupted: (() -> Int32?)? = nil
    ) throws(HostNetError) -> ReproResult {
        let destination = options.destination
        let start = clock.now()
        var result = ReproResult(outcome: .notReached(reason: "attempt limit \(options.maxAttempts) reached"),
                                 attempts: 0, refused: 0, addressUnavailable: 0, elapsed: 0)
        var lastReport = start
        let address = RawSocketAddress(destination)
        while result.attempts < (options.bindFirst ? 1 : options.maxAttempts) {
            let socket = try TCPSocket(family: destination.family)
            if let range = options.localPortRange { try socket.setLocalPortRange(range) }
            if options.bindFirst {
                try socket.setReuseAddress()
                try socket.bind(destination)
            }
            result.attempts += 1
            let error = socket.connect(address)
            let sourcePort = socket.localPort()
            if result.attempts == 1 { result.firstSourcePort = sourcePort }
            result.lastSourcePort = sourcePort
            switch error {
            case 0:
                result.elapsed = clock.now() - start
                guard try socket.isSelfConnected() else {
                    let local = try socket.localEndpoint()
                    result.outcome = .notReached(reason: "connected from \(local) to a listener that appeared on \(destination)")
                    return result
                }
                result.outcome = try echo(on: socket, options.message)
                return result
            case ECONNREFUSED: result.refused += 1
            case EADDRNOTAVAIL: result.addressUnavailable += 1
            default: throw .system(call: "connect", errno: error)
            }
            if result.attempts & 63 == 0 {
                let now = clock.now()
                if let signal = interrupted?() {
                    result.elapsed = now - start
                    result.outcome = .interrupted(signal: signal)
                    return result
                }
                if now - start >= options.timeLimit {
                    result.elapsed = now - start
                    result.outcome = .notReached(reason: "time limit \(JSONValue.decimal(options.timeLimit, digits: 3) ?? "?")s reached")
                    return result
                }
                if let progress, now - lastReport >= 0.25 {
                    lastReport = now
                    progress(ReproProgress(attempts: result.attempts, elapsed: now - start, currentSourcePort: sourcePort))
                }
            }
        }
        result.elapsed = clock.now() - start
        if options.bindFirst { result.outcome = .notReached(reason: "the bound connect was refused") }
        return result
    }

    /// Writes the message on the self-connected socket and reads it back.
    private static func echo(on socket: borrowing TCPSocket, _ message: [UInt8]) throws(HostNetError) -> ReproOutcome {
        try socket.setReceiveTimeout(milliseconds: 2000)
        try socket.writeAll(message)
        let echoed = try socket.read(count: message.count)
        let local = try socket.localEndpoint()
        let remote = try socket.peerEndpoint()
        // The TIME_WAIT left by close() inherits SO_REUSEADDR, so a real server may bind P again at once.
        try socket.setReuseAddress()
        return .selfConnected(local: local, remote: remote, echoed: echoed)
    }
}
