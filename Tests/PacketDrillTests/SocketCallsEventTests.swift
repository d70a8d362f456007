import PacketDrill
import TCPStack
import TCPWire
import Testing

/// The calls that moved from the runner into the shared layer, called directly on a self-connected socket.
@Suite struct SocketCallsEventTests {
    /// A socket connected to itself (port 40000 on loopback), with nothing sent yet.
    static func selfConnected() throws -> (SocketCalls, Int) {
        var calls = SocketCallsTests.calls()
        let fd = calls.socket()
        try calls.bind(fd, to: SocketCallsTests.here)
        try calls.connect(fd, to: SocketCallsTests.here, now: .zero)
        calls.loop.flush()
        try calls.connectProgress(fd)
        return (calls, fd)
    }

    @Test func pollAndSIOCINQFollowTheReceiveQueue() throws {
        var (calls, fd) = try Self.selfConnected()
        let entry = SocketCalls.PollEntry(fd: fd, events: [.input, .output])
        #expect(calls.poll([entry, SocketCalls.PollEntry(fd: 9, events: .input), SocketCalls.PollEntry(fd: -1, events: .input)])
            == [.output, .invalid, []])
        #expect(try calls.queuedBytes(fd, .inQueue) == 0)
        #expect(try calls.send(fd, Array("abcdef".utf8), now: .zero) == 6)
        // Sent, not yet carried: SIOCOUTQ counts it.
        #expect(try calls.queuedBytes(fd, .outQueue) == 6)
        calls.loop.flush()
        #expect(calls.poll([entry]) == [[.input, .output]])
        #expect(try calls.queuedBytes(fd, .inQueue) == 6)
        #expect(try calls.queuedBytes(fd, .outQueue) == 0)
        #expect(throws: SocketCallError.failed(.EBADF)) { try calls.queuedBytes(8, .inQueue) }
    }

    @Test func aListenerAnswersSIOCINQWithEINVAL() throws {
        var calls = SocketCallsTests.calls()
        let fd = calls.socket()
        try calls.bind(fd, to: SocketCallsTests.here)
        try calls.listen(fd, backlog: 1)
        #expect(throws: SocketCallError.failed(.EINVAL)) { try calls.queuedBytes(fd, .inQueue) }
    }

    @Test func edgeTriggeredEntriesReportOnlyAfterAWakeUpAndLevelOnesWhileReady() throws {
        var (calls, fd) = try Self.selfConnected()
        let level = calls.epollCreate(), edge = calls.epollCreate()
        #expect(level == 4 && edge == 5)
        try calls.epollControl(level, .add, fd, events: .input, data: 42)
        try calls.epollControl(edge, .add, fd, events: .input, edgeTriggered: true, data: 43)
        #expect(try calls.epollWait(level, maxEvents: 8).isEmpty)
        _ = try calls.send(fd, [1, 2, 3], now: .zero)
        calls.loop.flush()
        calls.wakeEpoll(calls.loop.takeEvents())
        let reports = try calls.epollWait(edge, maxEvents: 8)
        #expect(reports.map(\.fd) == [fd] && reports.map(\.events) == [.input] && reports.map(\.data) == [43])
        #expect(try calls.epollWait(edge, maxEvents: 8).isEmpty)
        #expect(try calls.epollWait(level, maxEvents: 8).map(\.data) == [42])
        #expect(try calls.epollWait(level, maxEvents: 8).map(\.data) == [42])
        #expect(throws: SocketCallError.failed(.EEXIST)) { try calls.epollControl(level, .add, fd, events: .input) }
        #expect(throws: SocketCallError.failed(.EINVAL)) { try calls.epollWait(level, maxEvents: 0) }
        try calls.close(level, now: .zero)
        #expect(throws: SocketCallError.failed(.EBADF)) { try calls.epollWait(level, maxEvents: 1) }
        #expect(calls.lowestFreeDescriptor() == 4)
    }

    @Test func closingASocketTakesItOutOfEveryEpollSet() throws {
        var (calls, fd) = try Self.selfConnected()
        let ep = calls.epollCreate()
        try calls.epollControl(ep, .add, fd, events: .output)
        #expect(try calls.epollWait(ep, maxEvents: 1).map(\.fd) == [fd])
        try calls.close(fd, now: .zero)
        // A new socket at the same number is not watched.
        #expect(calls.socket() == fd)
        #expect(calls.epolls[ep]?.entries.isEmpty == true)
        #expect(throws: SocketCallError.failed(.ENOENT)) { try calls.epollControl(ep, .delete, fd) }
    }

    @Test func recvmsgCarriesTCPCMINQAndAnEmptyErrorQueueIsEAGAIN() throws {
        var (calls, fd) = try Self.selfConnected()
        try calls.setOption(fd, .receiveQueueHint(1), now: .zero)
        #expect(try calls.option(.receiveQueueHint, of: fd) == .receiveQueueHint(1))
        _ = try calls.send(fd, Array("hello".utf8), now: .zero)
        calls.loop.flush()
        let m = try calls.receiveMessage(fd, capacity: 2, flags: [], now: .zero)
        #expect(m.bytes == Array("he".utf8))
        #expect(m.control.map(\.level) == [6] && m.control.map(\.type) == [36])
        #expect(m.control.map(\.data) == [.integer(3)])
        #expect(throws: SocketCallError.failed(.EAGAIN)) { try calls.receiveMessage(fd, capacity: 0, flags: .errorQueue, now: .zero) }
        #expect(throws: SocketCallError.failed(.EOPNOTSUPP)) {
            try calls.receiveMessage(fd, capacity: 1, flags: SocketCalls.ReceiveFlags(rawValue: 0x100), now: .zero)
        }
    }

    @Test func corkIsATypedOptionThatReadsBack() throws {
        var (calls, fd) = try Self.selfConnected()
        try calls.setOption(fd, .cork(true), now: .zero)
        #expect(try calls.option(.cork, of: fd) == .cork(true))
        try calls.setOption(fd, .notSentLowWater(1000), now: .zero)
        #expect(try calls.option(.notSentLowWater, of: fd) == .notSentLowWater(1000))
        try calls.setOption(fd, .timestamping([.software, .txSoftware]), now: .zero)
        #expect(try calls.option(.timestamping, of: fd).integerValue == 0x12)
    }
}
