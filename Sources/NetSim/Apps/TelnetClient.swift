import TCPStack
import TCPWire

/// One connect() of the telnet loop. (Outside `TelnetClient`: a type nested in a generic one is itself generic,
/// and its metadata would be looked up on every attempt.)
public struct TelnetAttempt: Hashable, Sendable {
    /// When the attempt's `connect()` was called.
    public var start: Instant
    /// The source endpoint the stack gave the socket, once known.
    public var local: Endpoint?
    /// How the attempt ended: nil while running or when it connected, else the error (`ECONNREFUSED` on most).
    public var result: SocketError?
}

/// How the client ends its session once its lines are echoed (when it closes at all).
public enum TelnetEnding: Hashable, Sendable {
    /// close(): a FIN.
    case close
    /// close() with SO_LINGER {on, 0}: a RST.
    case reset
    /// shutdown(SHUT_WR): a FIN, then it reads on until the peer closes, and closes too.
    case shutdownWrite
}

/// How the telnet loop stands.
public enum TelnetOutcome: Hashable, Sendable {
    /// Still trying: no attempt has connected yet.
    case running
    /// Connected, from `local`, at the given time.
    case connected(local: Endpoint, at: Instant)
    /// The attempt budget ran out without a connection.
    case gaveUp
}

/// The article's `while true; do telnet 127.0.0.1 50000; done`: each attempt is a fresh socket and connect();
/// a refusal prints telnet's error and the loop tries again; once connected it types its lines, prints what
/// comes back, and closes.
public struct TelnetClient<Stack: SimulatedStack>: SimApplication {
    /// The endpoint telnet connects to, e.g. `127.0.0.1:50000`.
    public let remote: Endpoint
    /// The lines typed once connected, each sent with CR LF.
    public let lines: [String]
    /// Attempts before the loop gives up.
    public let maxAttempts: Int
    /// Time between a refusal and the next attempt (the shell loop starting telnet again).
    public let retryDelay: Duration
    /// bind() to this local endpoint before connect() (the bound self-connect).
    public let bindTo: Endpoint?
    /// Whether the client ends the session once every line came back; otherwise it stays connected.
    public let closeWhenDone: Bool
    /// How the session ends when `closeWhenDone` is set.
    public let ending: TelnetEnding
    /// How long the run goes on after the session ends (lets the close finish), before the client stops it.
    public let linger: Duration

    /// Every connect attempt so far, in order.
    public private(set) var attempts: [TelnetAttempt] = []
    /// Whether the loop is still trying, connected (where and when), or gave up.
    public private(set) var outcome = TelnetOutcome.running
    /// `netstat -tn` rows taken while the session was up, just before the client quit or went idle.
    public private(set) var sessionTable: [ConnectionRow] = []
    private var lingering = false
    private var socket: Stack.Socket?
    private var typed = 0
    private var received: [UInt8] = []

    /// A telnet loop against `remote`; every parameter has the article's value as its default.
    public init(
        remote: Endpoint, lines: [String] = ["test1", "test2"], maxAttempts: Int = 100_000,
        retryDelay: Duration = .microseconds(50), bindTo: Endpoint? = nil, closeWhenDone: Bool = true,
        ending: TelnetEnding = .close, linger: Duration = .milliseconds(200)
    ) {
        self.ending = ending
        self.linger = linger
        host = AddressText.address(remote.address)
        tryingLine = "Trying \(host)..."
        refusedLine = "telnet: connect to address \(host): \(SocketError.connectionRefused.strerror)"
        self.remote = remote
        self.lines = lines
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.bindTo = bindTo
        self.closeWhenDone = closeWhenDone
    }

    private let host: String
    // Built once: the retry loop prints them thousands of times.
    private let tryingLine: String
    private let refusedLine: String
    // The two as registered with the simulator's story (in `start`).
    private var tryingID = 0
    private var refusedID = 0

    // The simulator reaches its applications through an existential, which never specializes; these ask the
    // compiler for an EngineStack copy of the retry loop's entry points (they run once or twice per attempt).
    /// Registers the loop's story lines and makes the first attempt.
    @_specialize(where Stack == EngineStack)
    public mutating func start(stack: inout Stack, io: inout AppIO) {
        // The loop appends an attempt and two story lines per try, thousands of times: room for the usual run up
        // front, so the arrays are not copied over and over as they grow (it costs address space, not memory).
        let expected = min(maxAttempts, 1 << 15)
        attempts.reserveCapacity(expected)
        io.reserveStory(2 * expected)
        tryingID = io.register(tryingLine)
        refusedID = io.register(refusedLine)
        attempt(stack: &stack, io: &io)
    }

    /// Retries after a refusal; once the session or the give-up has lingered, stops the run.
    @_specialize(where Stack == EngineStack)
    public mutating func wake(stack: inout Stack, io: inout AppIO) {
        if lingering {
            io.stopSimulation()
        } else {
            attempt(stack: &stack, io: &io)
        }
    }

    private mutating func attempt(stack: inout Stack, io: inout AppIO) {
        io.print(line: tryingID)
        attempts.append(TelnetAttempt(start: io.now))
        do throws(SocketError) {
            let s = try stack.socket(remote.address.isIPv6 ? .inet6 : .inet)
            socket = s
            if let bindTo { try stack.bind(s, to: bindTo) }
            try stack.connect(s, to: remote, now: io.now)
            attempts[attempts.count - 1].local = stack.localEndpoint(of: s)
        } catch {
            fail(error, stack: &stack, io: &io)
        }
    }

    /// Follows its current socket: retries on a failure, types the lines once connected, prints what is echoed, and
    /// closes when the peer does.
    @_specialize(where Stack == EngineStack)
    public mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO) {
        guard let s = socket, event.socket == s else { return }
        switch event {
        case .failed(_, let error):
            if case .running = outcome { fail(error, stack: &stack, io: &io) }
        case .connected:
            let local = stack.localEndpoint(of: s) ?? attempts[attempts.count - 1].local
            attempts[attempts.count - 1].local = local
            outcome = .connected(local: local ?? remote, at: io.now)
            io.print("Connected to \(host).")
            io.print("Escape character is '^]'.")
            typeNext(stack: &stack, io: &io)
        case .readable:
            readEcho(stack: &stack, io: &io)
        case .peerClosed:
            readEcho(stack: &stack, io: &io)
            io.print("Connection closed by foreign host.")
            stack.close(s, now: io.now)
            socket = nil
        case .acceptable:
            break
        }
    }

    private mutating func fail(_ error: SocketError, stack: inout Stack, io: inout AppIO) {
        attempts[attempts.count - 1].result = error
        if error == .connectionRefused {
            io.print(line: refusedID)
        } else {
            io.print("telnet: connect to address \(host): \(error.strerror)")
        }
        if let s = socket { stack.close(s, now: io.now) }
        socket = nil
        if attempts.count < maxAttempts {
            io.wake(after: retryDelay)
        } else {
            outcome = .gaveUp
            lingering = true
            io.wake(after: linger)
        }
    }

    /// Prints the typed line (the terminal's local echo) and sends it with telnet's CR LF.
    private mutating func typeNext(stack: inout Stack, io: inout AppIO) {
        guard let s = socket else { return }
        guard typed < lines.count else {
            if lingering { return }
            sessionTable = stack.connectionTable()
            if closeWhenDone {
                switch ending {
                case .close: stack.close(s, now: io.now)
                case .reset: stack.abort(s, now: io.now)
                case .shutdownWrite: stack.shutdownWrite(s, now: io.now)
                }
                if ending != .shutdownWrite { socket = nil }
            }
            lingering = true
            io.wake(after: linger)
            return
        }
        io.print(lines[typed])
        _ = try? stack.send(s, Array((lines[typed] + "\r\n").utf8), now: io.now)
        typed += 1
    }

    private mutating func readEcho(stack: inout Stack, io: inout AppIO) {
        guard let s = socket else { return }
        while let bytes = try? stack.read(s, maxBytes: 65_536, now: io.now), !bytes.isEmpty {
            received += bytes
        }
        while let end = received.firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(received[..<end])
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            received.removeSubrange(...end)
            io.print(String(decoding: line, as: UTF8.self))
            typeNext(stack: &stack, io: &io)
            if socket == nil { return }
        }
    }
}

/// Error texts as the simulated programs print them.
extension SocketError {
    /// The text glibc's strerror gives, as telnet prints it.
    public var strerror: String {
        switch self {
        case .connectionRefused: "Connection refused"
        case .connectionReset: "Connection reset by peer"
        case .timedOut: "Connection timed out"
        case .addressInUse: "Address already in use"
        case .addressNotAvailable: "Cannot assign requested address"
        case .invalidArgument: "Invalid argument"
        case .notConnected: "Transport endpoint is not connected"
        case .alreadyConnected: "Transport endpoint is already connected"
        case .alreadyInProgress: "Operation already in progress"
        case .inProgress: "Operation now in progress"
        case .wouldBlock: "Resource temporarily unavailable"
        case .badDescriptor: "Bad file descriptor"
        case .brokenPipe: "Broken pipe"
        case .operationNotSupported: "Operation not supported"
        case .hostUnreachable: "No route to host"
        }
    }
}
