import Glibc
import TCPStack
import TCPWire

/// Runs a `HostStack` on a TUN link against the kernel with the real monotonic clock, through a `DriveLoop`:
/// packets the kernel routes to the device go into the stack, the stack's packets to its own address loop back,
/// the rest go out through the device, and timers fire at the loop's `nextDeadline`. The application drives its
/// sockets from the `step` callback of `run`.
public struct TUNDriver {
    /// The loop over the one stack; what it leaves in `outbound` is written to the device.
    public var loop: DriveLoop<HostStack>
    /// The stack on the link (the loop's only host).
    public var stack: HostStack {
        _read { yield loop.hosts[0] }
        _modify { yield &loop.hosts[0] }
    }
    public let link: TUNLink
    /// Every packet in and out (nil: not recorded, for benchmarks).
    public var tap: PacketTap?
    private let clock = MonotonicInstant()
    /// One frame each way: a virtio header (with offloads) and an IP packet of up to 64 KiB.
    private var readBuffer = [UInt8](repeating: 0, count: VirtioNetHeader.size + 65536 + 256)
    private var writeBuffer = [UInt8](repeating: 0, count: VirtioNetHeader.size + 65536 + 256)
    /// Packets that failed to parse (ICMP, IPv6 neighbour discovery, malformed): ignored, counted.
    public private(set) var ignoredPackets = 0
    /// The largest TCP payload seen each way: above the MSS only when offloads carried large segments.
    public private(set) var largestPayloadFromKernel = 0
    public private(set) var largestPayloadToKernel = 0

    /// The stack takes `link.stackAddress`; `configuration.interfaceMTU` is set to the link's MTU, and
    /// `segmentOffloadBytes` to 64 KiB less headers when the device has offloads (else 0).
    public init(link: TUNLink, configuration: TCPConfiguration = .linux6, seed: UInt64, tap: PacketTap? = PacketTap()) {
        var config = configuration
        config.interfaceMTU = link.mtu
        config.segmentOffloadBytes = link.device.offloads ? OffloadFrame.maxPayload : 0
        loop = DriveLoop(HostStack(addresses: [.v4(link.stackAddress)], configuration: config, seed: seed))
        self.link = link
        self.tap = tap
    }

    /// The stack's clock now.
    public func now() -> Instant { clock.now() }

    /// Hands a packet to the stack (e.g. one held back by `run`'s `intercept`).
    public mutating func deliver(_ packet: IPPacket, now: Instant) {
        loop.now = now
        loop.deliver(packet)
    }

    /// Sends what the stack has produced: the loop hands what is addressed to the stack itself back to it, and the
    /// rest goes to the kernel through the device.
    public mutating func flush(now: Instant) throws(TUNLinkError) {
        loop.now = now
        loop.flush()
        guard !loop.outbound.isEmpty else { return }
        defer { loop.outbound.removeAll(keepingCapacity: true) }
        for packet in loop.outbound {
            tap?.record(packet, .toKernel, at: now)
            largestPayloadToKernel = max(largestPayloadToKernel, packet.tcp.payload.count)
            let device = link.device
            // Without a connection (none owns the tuple any more) cut at what the link's MTU allows.
            let mss = device.offloads
                ? loop.withHost(0, { $0.sendMSS(of: packet) })
                    ?? (link.mtu - packet.ipHeaderLength - packet.tcp.headerLength) : 0
            try writeBuffer.withUnsafeMutableBytes { frame in
                let length = device.offloads
                    ? OffloadFrame.write(packet, mss: mss, into: frame) : packet.write(to: frame)
                return device.write(UnsafeRawBufferPointer(rebasing: frame[0..<length]))
            }.get()
        }
    }

    /// Runs the event loop until `step` returns true (then true) or `limit` passes (then false).
    ///
    /// Each turn: fire due timers, hand the new socket events to `step` (which may call the socket API on
    /// `driver.stack`), send what the stack produced, then wait in poll(2) for the device until the next
    /// timer, at most `tick` (so `step` also runs when nothing arrives). `intercept` sees each packet from the
    /// kernel first and returns true to keep it from the stack.
    public mutating func run(
        for limit: Duration, tick: Duration = .milliseconds(10),
        intercept: ((IPPacket, inout TUNDriver) -> Bool)? = nil,
        step: (inout TUNDriver, [SocketEvent], Instant) throws(TUNLinkError) -> Bool
    ) throws(TUNLinkError) -> Bool {
        let end = now() + limit
        while true {
            var now = self.now()
            // Due timers fire; what they and the packets read last turn produced loops back or waits to be sent.
            loop.advance(to: now)
            let current = loop.takeEvents()
            if try step(&self, current, now) {
                try flush(now: now)
                return true
            }
            try flush(now: now)
            guard now < end else { return false }
            var wait = min(end - now, tick)
            if let due = loop.nextDeadline { wait = min(wait, due - now) }
            let ms = Int32(max(0, (wait.nanosecondsValue + 999_999) / 1_000_000))
            guard link.device.waitReadable(milliseconds: ms) else { continue }
            now = self.now()
            loop.now = now
            // Read a bounded batch, so timers and the application keep running under a flood. With offloads the
            // virtio header is skipped: a large segment is taken whole, and a checksum the kernel left partial
            // (NEEDS_CSUM) needs no check, as nothing here verifies checksums.
            let device = link.device
            let skip = device.frameHeaderLength
            for _ in 0..<256 {
                let count = try readBuffer.withUnsafeMutableBytes { device.read(into: $0) }.get()
                guard let count else { break }
                let packet: IPPacket
                do {
                    packet = try IPPacket(parsing: readBuffer[min(skip, count)..<count], verifyChecksums: false)
                } catch {
                    ignoredPackets += 1
                    continue
                }
                tap?.record(packet, .fromKernel, at: now)
                largestPayloadFromKernel = max(largestPayloadFromKernel, packet.tcp.payload.count)
                if let intercept, intercept(packet, &self) { continue }
                loop.deliver(packet)
            }
        }
    }
}
