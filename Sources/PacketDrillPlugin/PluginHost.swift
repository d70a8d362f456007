import Glibc
import PacketDrill
import TCPStack
import TCPWire

/// The engine behind the packetdrill plugin: the socket calls (`SocketCalls`, shared with the script runner: one
/// `HostStack` and the descriptors packetdrill sees), the packets the stack sent, and the virtual clock. packetdrill
/// calls socket functions from its syscall thread and the device and clock functions from its main thread, so every
/// entry takes `lock`; blocked calls wait on `changed`.
final class PluginHost: @unchecked Sendable {

    /// Virtual wall clock origin: 2020-01-01 00:00:00 UTC, in microseconds.
    static let epochMicroseconds: Int64 = 1_577_836_800_000_000
    /// With nothing to send, an idle poll of the device moves the clock this far (or to the next timer).
    static let idleStepMicroseconds: Int64 = 1_000
    /// Real-time bound on a blocked call, so a script that never unblocks it cannot hang packetdrill.
    static let blockedCallLimitSeconds = 10

    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    /// The socket calls and the loop over the stack, on the virtual clock (microseconds): the stack's packets to its
    /// own address loop back; the rest are what packetdrill reads from the device.
    var calls: SocketCalls
    var loop: DriveLoop<HostStack> {
        _read { yield calls.loop }
        _modify { yield &calls.loop }
    }
    /// The stack packetdrill tests (the loop's only host).
    var stack: HostStack {
        _read { yield loop.hosts[0] }
        _modify { yield &loop.hosts[0] }
    }
    let local: IPv4Address
    var nowMicroseconds: Int64 = 0
    var sent: [(time: Int64, bytes: [UInt8])] = []

    /// `flags` is packetdrill's `--so_flags`: `personality=NAME` (default linux-6) and `local_ip=A.B.C.D`. Anything
    /// else, or a value it cannot use, is an error (the entry point reports it and exits with status 2).
    init(flags: String) throws(PluginFlagsError) {
        var personality = ScriptPersonality.defaultName
        var local = IPv4Address(192, 168, 0, 1)
        for item in flags.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch (pair.first, pair.count) {
            case ("personality", 2): personality = pair[1]
            case ("local_ip", 2):
                guard let address = ScriptRunner.parseIPv4(pair[1]) else {
                    throw PluginFlagsError(message: "local_ip '\(pair[1])' is not an IPv4 address")
                }
                local = address
            default:
                throw PluginFlagsError(message: "unknown --so_flags item '\(item)' (personality=NAME, local_ip=A.B.C.D)")
            }
        }
        let configuration: TCPConfiguration
        do { configuration = try ScriptPersonality.configuration(named: personality) } catch {
            throw PluginFlagsError(message: error.description)
        }
        self.local = local
        calls = SocketCalls(HostStack(addresses: [.v4(local)], configuration: configuration, seed: 1))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }

    var instant: Instant { Instant(nanoseconds: nowMicroseconds * 1000) }

    /// Moves packets the stack produced through the loop; what leaves it joins `sent`, stamped with the current
    /// time. Caller holds the lock.
    func collect() {
        loop.now = instant
        loop.flush()
        send(loop.takeOutbound(), at: nowMicroseconds)
        // Blocked calls retry against the stack's state; the events only wake edge-triggered epoll entries.
        calls.wakeEpoll(loop.takeEvents())
        pthread_cond_broadcast(&changed)
    }

    private func send(_ packets: [IPPacket], at time: Int64) {
        for packet in packets { sent.append((time, packet.bytes())) }
    }

    /// Runs timers up to `target` in deadline order. Caller holds the lock.
    func advance(to target: Int64) {
        loop.now = instant
        var events: [SocketEvent] = []
        loop.runTimers(until: Instant(nanoseconds: target * 1000), afterEach: { loop in
            send(loop.takeOutbound(), at: loop.now.nanoseconds / 1000)
            events += loop.takeEvents()
        })
        calls.wakeEpoll(events)
        nowMicroseconds = max(nowMicroseconds, loop.now.nanoseconds / 1000, target)
        loop.advance(to: instant)
        collect()
    }

    /// Retries `attempt` until it no longer would block, waiting for the stack to change in between.
    /// Caller holds the lock; `attempt` returns nil while the call would block.
    func blocking<T>(_ fd: Int32, _ attempt: () -> T?) -> T? {
        if let result = attempt() { return result }
        guard calls.descriptors[Int(fd)] != nil, !calls.isNonBlocking(Int(fd)) else { return nil }
        return waiting(attempt)
    }

    /// Retries `attempt` until it gives a value, waiting for the stack or the clock to change in between, for
    /// `blockedCallLimitSeconds` of real time at most (then nil). Caller holds the lock.
    func waiting<T>(_ attempt: () -> T?) -> T? {
        if let result = attempt() { return result }
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += Self.blockedCallLimitSeconds
        while true {
            if pthread_cond_timedwait(&changed, &mutex, &deadline) == ETIMEDOUT { return attempt() }
            if let result = attempt() { return result }
        }
    }
}

/// `--so_flags` the plugin cannot use.
struct PluginFlagsError: Error {
    var message: String
}
