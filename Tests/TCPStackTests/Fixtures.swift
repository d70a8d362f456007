import TCPStack
import TCPWire

let serverAddress = IPAddress.v4(IPv4Address(10, 0, 0, 1))
let clientAddress = IPAddress.v4(IPv4Address(10, 0, 0, 2))
let serverEndpoint = Endpoint(serverAddress, 80)

/// Two hosts: a server (host 0, listening on 10.0.0.1:80) and a client (host 1, 10.0.0.2).
struct Pair {
    var wire: TestWire
    let listener: SocketID
    var client: SocketID
    var server: SocketID?

    init(_ config: TCPConfiguration = .linux6, client clientConfig: TCPConfiguration? = nil, backlog: Int = 8,
        connect: Bool = true) throws
    {
        wire = TestWire(host(config, [serverAddress], seed: 11), host(clientConfig ?? config, [clientAddress], seed: 22))
        listener = wire.hosts[0].socket()
        try wire.hosts[0].bind(listener, to: serverEndpoint)
        try wire.hosts[0].listen(listener, backlog: backlog)
        client = wire.hosts[1].socket()
        if connect {
            try wire.hosts[1].connect(client, to: serverEndpoint, now: wire.now)
            wire.run()
            server = try wire.hosts[0].accept(listener)
        }
    }

    var s: HostStack {
        get { wire.hosts[0] }
        set { wire.hosts[0] = newValue }
    }
    var c: HostStack {
        get { wire.hosts[1] }
        set { wire.hosts[1] = newValue }
    }

    /// The server side's TCB.
    var serverTCB: Connection { wire.hosts[0].connection(server!)! }

    /// A segment from the client's endpoint to the server's connection, crafted by the test.
    func toServer(
        seq: UInt32, ack: UInt32 = 0, flags: TCPFlags, window: UInt16 = 512, payload: [UInt8] = []
    ) -> IPPacket {
        let src = wire.hosts[1].localEndpoint(of: client) ?? Endpoint(clientAddress, 40000)
        return IPPacket(from: clientAddress, to: serverAddress, tcp: TCPSegment(
            sourcePort: src.port, destinationPort: 80, sequenceNumber: seq, acknowledgmentNumber: ack,
            flags: flags, window: window, payload: payload))
    }

    /// Delivers `packet` to the server only and returns what the server sent back.
    mutating func injectToServer(_ packet: IPPacket) -> [IPPacket] {
        wire.hosts[0].receive(packet, now: wire.now)
        return wire.hosts[0].takePackets()
    }
}

extension TestWire {
    /// The first recorded transition of `socket` on `host` into `to`.
    func transition(_ socket: SocketID, host: Int = 0, to: TCPState) -> Transition? {
        transitionsByHost[host].first { $0.socket == socket && $0.to == to }
    }
}
