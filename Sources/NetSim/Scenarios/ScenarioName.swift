import TCPWire

/// The stories `selfconnect simulate` can tell.
public enum ScenarioName: String, CaseIterable, Sendable {
    /// The article's story: telnet retries 127.0.0.1:50000 until it connects to itself.
    case seed
    /// The article's retry loop on [::1]:50000.
    case seedV6 = "seed-v6"
    /// bind(127.0.0.1:40000), then connect to the same endpoint: a self-connect in one attempt.
    case boundSelfConnect = "bound-self-connect"
    /// The bound self-connect over IPv6.
    case boundSelfConnectV6 = "bound-self-connect-v6"
    /// Two hosts connect to each other at once and their SYNs cross (RFC 9293 figure 7).
    case simultaneousOpen = "simultaneous-open"
    /// One connect() to a closed port: SYN, RST-ACK and ECONNREFUSED.
    case refused
    /// A self-connected socket closes: FIN-WAIT-1, CLOSING, TIME-WAIT.
    case selfConnectClose = "self-connect-close"
    /// After the self-connect, the real server cannot bind its port: EADDRINUSE.
    case listenerBlocked = "listener-blocked"
    /// A client types to an echo server and closes first.
    case echoClientClose = "echo-client-close"
    /// The echo server closes right after its echo.
    case echoServerClose = "echo-server-close"
    /// The echo client closes with SO_LINGER 0: a RST.
    case echoReset = "echo-reset"
    /// The echo client shuts down writing; the server still answers, then closes.
    case halfClose = "half-close"
    /// A client sends 1 MiB to a discard server, then closes.
    case bulk = "bulk-1mb"

    /// One line for `--list`.
    public var summary: String {
        switch self {
        case .seed: "the article: telnet retries 127.0.0.1:50000 until it connects to itself, types test1, test2"
        case .seedV6: "the article's loop on [::1]:50000"
        case .boundSelfConnect: "bind(127.0.0.1:40000) then connect(127.0.0.1:40000): self-connect in one attempt"
        case .boundSelfConnectV6: "bind([::1]:40000) then connect([::1]:40000)"
        case .simultaneousOpen: "two hosts connect to each other at once; the SYNs cross (RFC 9293 figure 7)"
        case .refused: "one connect() to a closed port: SYN, then RST,ACK and ECONNREFUSED"
        case .selfConnectClose: "a self-connected socket closes: FIN_WAIT1 -> CLOSING -> TIME_WAIT"
        case .listenerBlocked: "after the self-connect, the real server cannot bind its port: EADDRINUSE"
        case .echoClientClose: "a client connects to an echo server on 127.0.0.1:5001, types test1, closes first"
        case .echoServerClose: "the echo server closes right after its echo; the client closes on EOF"
        case .echoReset: "the echo client closes with SO_LINGER 0: a RST, and the server reads ECONNRESET"
        case .halfClose: "the echo client shuts down writing; the server still sends bye, then closes"
        case .bulk: "a client sends 1 MiB to a discard server on 127.0.0.1:5002, then closes"
        }
    }

    /// Whether the story runs over IPv6 (`::1`).
    public var isIPv6: Bool { self == .seedV6 || self == .boundSelfConnectV6 }

    /// The port each story uses unless `--port` says otherwise (40000 for the bound ones, as in the 6.18 captures).
    public var defaultPort: UInt16 {
        switch self {
        case .boundSelfConnect, .boundSelfConnectV6, .selfConnectClose: 40000
        case .simultaneousOpen: 5000
        case .echoClientClose, .echoServerClose, .echoReset, .halfClose: 5001
        case .bulk: 5002
        default: 50000
        }
    }

    /// Whether an echo server listens on the target before the client connects.
    var hasEchoServer: Bool { [.echoClientClose, .echoServerClose, .echoReset, .halfClose].contains(self) }

    /// The address each story targets unless `--host` says otherwise: the loopback of its family.
    public var defaultHost: IPAddress { isIPv6 ? .v6(.loopback) : .v4(.loopback) }

    /// Whether the client bind()s its own port before connect().
    var binds: Bool { self == .boundSelfConnect || self == .boundSelfConnectV6 || self == .selfConnectClose }
}
