import TCPStack
import TCPWire
import Testing
import TUNLink

/// Our stack against the live kernel over TUN: handshakes, echo, closes from either side, resets, refusal and a
/// simultaneous open. Each test has a namespace of its own, removed at the end even when the test fails.
@Suite(.serialized)
struct InteropConnectionTests {
    @Test func kernelClientEchoesThroughOurListenerAndClosesFirst() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "echo")
        var echo = try EchoService(stack: &run.driver.stack, address: run.us, port: 7)
        let peer = try run.peer("client-echo", port: 7, "ping-over-tun")
        let finished = try run.driver.run(for: .seconds(15)) { driver, events, now in
            echo.step(stack: &driver.stack, events: events, now: now)
            return !peer.isRunning && driver.stack.liveCount == 1
        }
        let lines = peer.lines
        let ok = finished && lines == [["ECHO", "ping-over-tun"]] && echo.acceptedCount == 1
            && run.firstFin == .fromKernel
        #expect(finished, "peer still running or our connection not closed")
        #expect(lines == [["ECHO", "ping-over-tun"]])
        #expect(echo.echoedBytes == 13)
        #expect(run.firstFin == .fromKernel)
        run.explainIfFailed(peer, ok)
    }

    @Test func ourClientEchoesThroughKernelListenerAndClosesFirst() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "client")
        let peer = try run.peer("server-echo", port: 5001)
        var client = OurClient(remote: Endpoint(.v4(run.kernel), 5001), message: Array("hello kernel".utf8))
        let finished = try run.driver.run(for: .seconds(15)) { driver, events, now in
            client.step(&driver.stack, events, now)
            if client.received.count == client.message.count && !client.closed {
                try? driver.stack.close(client.socket!, now: now)
                client.closed = true
            }
            // We closed first: our socket waits in TIME-WAIT.
            return client.closed && !peer.isRunning && driver.stack.state(of: client.socket!) == .timeWait
        }
        let lines = peer.lines
        #expect(finished)
        #expect(client.received == client.message)
        #expect(lines == [["EOF", "12"]])
        #expect(run.firstFin == .toKernel)
        run.explainIfFailed(peer, finished && lines == [["EOF", "12"]] && run.firstFin == .toKernel)
    }

    @Test func kernelListenerClosesFirstAndOurClientSeesEndOfStream() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "srvclose")
        let peer = try run.peer("server-greet-close", port: 5002, "bye")
        var client = OurClient(remote: Endpoint(.v4(run.kernel), 5002), message: [])
        let finished = try run.driver.run(for: .seconds(15)) { driver, events, now in
            client.step(&driver.stack, events, now)
            if client.endOfStream && !client.closed {
                try? driver.stack.close(client.socket!, now: now)
                client.closed = true
            }
            return client.closed && !peer.isRunning && driver.stack.liveCount == 0
        }
        let lines = peer.lines
        #expect(finished)
        #expect(String(decoding: client.received, as: UTF8.self) == "bye")
        #expect(lines == [["CLOSED"]])
        #expect(run.firstFin == .fromKernel)
        run.explainIfFailed(peer, finished && client.endOfStream && run.firstFin == .fromKernel)
    }

    @Test func kernelConnectToOurClosedPortIsRefused() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "refused")
        let peer = try run.peer("client-refused", port: 9)
        let finished = try run.driver.run(for: .seconds(10)) { _, _, _ in !peer.isRunning }
        let lines = peer.lines
        let flags = run.flagTrace
        #expect(finished)
        #expect(lines == [["ECONNREFUSED"]])
        #expect(flags == ["< S", "> R."])
        run.explainIfFailed(peer, lines == [["ECONNREFUSED"]] && flags == ["< S", "> R."])
    }

    @Test func kernelResetWithLingerZeroResetsOurConnection() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "krst")
        var echo = try EchoService(stack: &run.driver.stack, address: run.us, port: 7)
        var sawReset = false
        let peer = try run.peer("client-linger0", port: 7)
        let finished = try run.driver.run(for: .seconds(15)) { driver, events, now in
            sawReset = sawReset || events.contains { if case .reset = $0 { true } else { false } }
            echo.step(stack: &driver.stack, events: events, now: now)
            return sawReset && !peer.isRunning
        }
        let lines = peer.lines
        #expect(finished)
        #expect(sawReset)
        #expect(lines == [["ABORTED"]])
        #expect(run.flagTrace.last?.hasPrefix("< R") == true)
        run.explainIfFailed(peer, finished && sawReset)
    }

    @Test func ourAbortResetsTheKernelConnection() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "ourrst")
        let listener = run.driver.stack.socket()
        try run.driver.stack.bind(listener, to: Endpoint(.v4(run.us), 7))
        try run.driver.stack.listen(listener, backlog: 8)
        let peer = try run.peer("client-wait", port: 7)
        var aborted = false
        var child: SocketID?
        let finished = try run.driver.run(for: .seconds(15)) { driver, events, now in
            if child == nil { child = try? driver.stack.accept(listener) }
            // Abort once the peer's byte is here: the peer is then blocked in recv() and sees the RST there.
            if !aborted, let c = child, let bytes = try? driver.stack.receive(c, now: now), !bytes.isEmpty {
                try? driver.stack.abort(c, now: now)
                aborted = true
            }
            return aborted && !peer.isRunning
        }
        let lines = peer.lines
        #expect(finished)
        #expect(lines == [["ECONNRESET"]])
        #expect(run.flagTrace.last == "> R.")
        run.explainIfFailed(peer, finished && lines == [["ECONNRESET"]])
    }

    @Test func simultaneousOpenWithTheKernelCrossesSynsAndExchangesData() throws {
        guard interopAvailable() else { return }
        var run = try InteropRun(tag: "simopen")
        let ourPort: UInt16 = 5005
        let kernelPort: UInt16 = 40005
        let peer = try run.peer("simultaneous", port: ourPort, String(kernelPort))
        var socket: SocketID?
        var established = false
        var received: [UInt8] = []
        var closed = false
        let finished = try run.driver.run(
            for: .seconds(15),
            intercept: { packet, driver in
                // Hold the kernel's SYN until our own SYN is out, then let it in: the SYNs cross.
                guard socket == nil, packet.tcp.flags == .syn, packet.tcp.destinationPort == ourPort else { return false }
                let s = driver.stack.socket()
                let now = driver.now()
                do {
                    try driver.stack.bind(s, to: Endpoint(.v4(driver.link.stackAddress), ourPort))
                    try driver.stack.connect(s, to: packet.source, now: now)
                    try driver.flush(now: now)
                } catch {
                    Issue.record("connect after the kernel's SYN: \(error)")
                }
                socket = s
                driver.deliver(packet, now: now)
                return true
            },
            step: { driver, events, now in
                guard let s = socket else { return false }
                for event in events {
                    if case .connected(s) = event {
                        established = true
                        _ = try? driver.stack.send(s, Array("from-stack".utf8), now: now)
                    }
                }
                if let bytes = try? driver.stack.receive(s, now: now) {
                    if bytes.isEmpty, !closed {
                        try? driver.stack.close(s, now: now)
                        closed = true
                    }
                    received += bytes
                }
                return closed && !peer.isRunning
            })
        let lines = peer.lines
        let flags = run.flagTrace
        #expect(finished)
        #expect(established)
        #expect(String(decoding: received, as: UTF8.self) == "from-kernel")
        #expect(lines == [["LOCAL", String(kernelPort)], ["GOT", "from-stack"]])
        // Kernel SYN, our SYN, our SYN-ACK (to its SYN), its SYN-ACK (to ours): no plain handshake ACK first.
        #expect(Array(flags.prefix(2)) == ["< S", "> S"])
        #expect(flags.contains("> S.") && flags.contains("< S."))
        run.explainIfFailed(peer, finished && established && lines.count == 2)
    }
}

/// Our stack's client for the tests: connects (retrying while the kernel's listener is not up yet), sends
/// `message` once connected, and collects what arrives.
struct OurClient {
    let remote: Endpoint
    let message: [UInt8]
    var socket: SocketID?
    var connected = false
    var sent = 0
    var received: [UInt8] = []
    var endOfStream = false
    var closed = false
    var retryAt: Instant = .zero

    init(remote: Endpoint, message: [UInt8]) {
        self.remote = remote
        self.message = message
    }

    mutating func step(_ stack: inout HostStack, _ events: [SocketEvent], _ now: Instant) {
        for event in events {
            switch event {
            case .connected(let s) where s == socket: connected = true
            case .refused(let s) where s == socket:
                // The kernel's listener is not up yet: try again shortly.
                try? stack.close(s, now: now)
                socket = nil
                retryAt = now + .milliseconds(50)
            default: break
            }
        }
        if socket == nil, now >= retryAt {
            let s = stack.socket()
            if (try? stack.connect(s, to: remote, now: now)) != nil { socket = s }
        }
        guard let s = socket, connected else { return }
        if sent < message.count, let n = try? stack.send(s, Array(message[sent...]), now: now) { sent += n }
        while !endOfStream, let bytes = try? stack.receive(s, now: now) {
            if bytes.isEmpty { endOfStream = true } else { received += bytes }
        }
    }
}

extension InteropRun {
    /// Which side sent the first FIN on the tap.
    var firstFin: PacketTap.Direction? {
        driver.tap?.entries.first { $0.packet.tcp.flags.contains(.fin) }?.direction
    }
}
