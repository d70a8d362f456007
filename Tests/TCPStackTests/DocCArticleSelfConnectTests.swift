import Testing
import TCPStack
import TCPWire

#if canImport(Glibc)
import Glibc
#endif

/// What the DocC article's self-connect produced.
struct ArticleSelfConnectRun {
    var host: HostStack
    var socket: SocketID
    var wire: [IPPacket]
    var handshake: [Transition]
    var states: [TCPState]
    var echo: [UInt8]
}

/// Runs the code of the DocC article "Walking through a self-connect" (Sources/TCPStack/TCPStack.docc/
/// SelfConnectInCode.md): the article's listings are this function's body, and the last test below checks that
/// every listing still appears here, line for line, so the article cannot drift from code that compiles and runs.
func articleSelfConnect(_ personality: Personality) throws(SocketError) -> ArticleSelfConnectRun {
    var loop = DriveLoop(HostStack(
        addresses: [.v4(.loopback)], configuration: personality.tcp, seed: 1))
    let now = loop.now

    let here = Endpoint(.v4(.loopback), 40000)
    let socket = loop.hosts[0].socket()
    try loop.hosts[0].bind(socket, to: here)
    try loop.hosts[0].connect(socket, to: here, now: now)

    /// Every packet the loop carries, in order.
    var wire: [IPPacket] = []
    func logged(_ packet: inout IPPacket) -> Bool {
        wire.append(packet)
        return true
    }

    loop.flush(through: logged)
    let handshake = loop.hosts[0].takeTransitions().filter { $0.socket == socket }
    let states = handshake.filter { $0.from != $0.to }.map(\.to)
    // states == [.synSent, .synReceived, .established]

    _ = try loop.hosts[0].send(socket, Array("test1\r\n".utf8), now: now)
    loop.flush(through: logged)
    let echo = try loop.hosts[0].receive(socket, now: now)
    // echo == Array("test1\r\n".utf8): the socket read back what it wrote

    return ArticleSelfConnectRun(
        host: loop.hosts[0], socket: socket, wire: wire, handshake: handshake, states: states, echo: echo)
}

@Suite struct DocCArticleSelfConnectTests {
    static let here = Endpoint(.v4(.loopback), 40000)

    func iss(_ run: ArticleSelfConnectRun) -> UInt32 {
        run.host.connection(run.socket)?.iss.rawValue ?? 0
    }

    @Test(arguments: ["linux-3.10", "linux-6", "rfc9293"])
    func articleSelfConnectWalksSynSentSynReceivedEstablishedAndReadsItsOwnEcho(name: String) throws {
        let run = try articleSelfConnect(Personality.named(name))
        #expect(run.states == [.synSent, .synReceived, .established])
        #expect(run.host.state(of: run.socket) == .established)
        #expect(run.host.localEndpoint(of: run.socket) == Self.here)
        #expect(run.host.remoteEndpoint(of: run.socket) == Self.here)
        #expect(run.echo == Array("test1\r\n".utf8))
        // Every packet went from the socket's endpoint to itself: SYN, SYN-ACK, ACK, then the data and its ACK.
        #expect(run.wire.allSatisfy { $0.source == Self.here && $0.destination == Self.here })
        #expect(Array(run.wire.prefix(2).map(\.tcp.flags)) == [.syn, .synAck])
        #expect(run.wire[0].tcp.sequenceNumber == iss(run))
        #expect(run.wire[1].tcp.sequenceNumber == iss(run))
        #expect(run.wire[1].tcp.acknowledgmentNumber == iss(run) &+ 1)
        #expect(run.wire.contains { $0.tcp.payload == Array("test1\r\n".utf8) })
        // connect() opens the story; the own SYN, met in SYN-SENT, is a simultaneous open.
        #expect(run.handshake.first?.cause == .user(.connect))
        let toSynReceived = run.handshake.first { $0.to == .synReceived && $0.from == .synSent }
        #expect(toSynReceived?.rfc == "RFC 9293 §3.10.7.3")
        #expect(toSynReceived?.linux == "tcp_rcv_synsent_state_process")
    }

    @Test func articleLinux310AnswersItsOwnSynAckWithAChallengeAckThatEstablishes() throws {
        let run = try articleSelfConnect(.linux310)
        let challenge = run.handshake.first { $0.from == .synReceived && $0.to == .synReceived }
        #expect(challenge?.rfc == "RFC 5961 §4.2")
        let established = run.handshake.first { $0.to == .established }
        guard case .segment(let segment)? = established?.cause else {
            Issue.record("no segment caused ESTABLISHED")
            return
        }
        #expect(segment.flags == .ack)
        #expect(run.wire[2].tcp.flags == .ack)
        #expect(run.wire[2].tcp.options.sackBlocks.isEmpty)
    }

    @Test func articleLinux6AcceptsItsOwnSynAckAndDSACKsTheSynByte() throws {
        let run = try articleSelfConnect(.linux6)
        let established = run.handshake.first { $0.to == .established }
        guard case .segment(let segment)? = established?.cause else {
            Issue.record("no segment caused ESTABLISHED")
            return
        }
        #expect(segment.flags == .synAck)
        #expect(!run.handshake.contains { $0.from == .synReceived && $0.to == .synReceived })
        // The SYN-ACK's SYN byte was already received: the ACK reports it as a D-SACK block (RFC 2883).
        let isn = iss(run)
        #expect(run.wire[2].tcp.flags == .ack)
        #expect(run.wire[2].tcp.options.sackBlocks == [SACKBlock(left: isn, right: isn &+ 1)])
    }

    @Test func articleRFC9293AcksItsUnacceptableSynAckAndEstablishesOnThatAck() throws {
        let run = try articleSelfConnect(.rfc9293)
        let established = run.handshake.first { $0.to == .established }
        guard case .segment(let segment)? = established?.cause else {
            Issue.record("no segment caused ESTABLISHED")
            return
        }
        #expect(segment.flags == .ack)
        // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>: both ISN + 1, and no options beyond the SYNs' MSS.
        let isn = iss(run)
        #expect(run.wire[2].tcp.flags == .ack)
        #expect(run.wire[2].tcp.sequenceNumber == isn &+ 1)
        #expect(run.wire[2].tcp.acknowledgmentNumber == isn &+ 1)
        #expect(run.wire[2].tcp.options.count == 0)
    }

    /// Every ```swift listing of the article appears in this file, line for line (indentation aside).
    @Test func everyListingOfTheArticleIsCodeThisFileRuns() throws {
        let testFile = #filePath
        let root = testFile.split(separator: "/", omittingEmptySubsequences: false).dropLast(3)
            .joined(separator: "/")
        let articlePath = root + "/Sources/TCPStack/TCPStack.docc/SelfConnectInCode.md"
        let article = try #require(readTextFile(articlePath), "cannot read \(articlePath)")
        let source = try #require(readTextFile(testFile), "cannot read \(testFile)")
        let code = source.split(separator: "\n", omittingEmptySubsequences: false).map(Self.trimmed)

        var listings: [[String]] = []
        var current: [String]?
        for line in article.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```swift") {
                current = []
            } else if line.hasPrefix("```"), let done = current {
                listings.append(done)
                current = nil
            } else if current != nil {
                current!.append(Self.trimmed(line))
            }
        }
        #expect(listings.count >= 4)
        for listing in listings {
            let body = Array(listing.drop { $0.isEmpty })
            let found = code.indices.contains { start in
                start + body.count <= code.count && Array(code[start..<start + body.count]) == body
            }
            #expect(found, "listing not in the test: \(body.first ?? "")")
        }
    }

    static func trimmed(_ line: Substring) -> String {
        var text = Substring(line.drop { $0 == " " })
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
