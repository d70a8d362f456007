import TCPStack

/// What a link does to packets, in the spirit of Linux netem. Every random draw comes from the
/// simulator's one `SeededRandom`, and a link with no impairment draws nothing.
public struct LinkImpairments: Hashable, Sendable {
    /// One-way propagation delay.
    public var delay: Duration
    /// Extra delay drawn uniformly from [0, jitter]. Packets stay in order unless `reordering` picks them.
    public var jitter: Duration
    /// Serialization rate; nil means infinitely fast.
    public var bitsPerSecond: Int64?
    /// Probability that a packet is dropped.
    public var loss: Double
    /// Probability that a packet is delivered twice.
    public var duplication: Double
    /// Probability that a packet is held back by `reorderDelay`, letting later packets overtake it.
    public var reordering: Double
    /// How long a packet picked by `reordering` is held back.
    public var reorderDelay: Duration

    /// A link with the given impairments; the defaults impair nothing.
    public init(
        delay: Duration = .zero, jitter: Duration = .zero, bitsPerSecond: Int64? = nil,
        loss: Double = 0, duplication: Double = 0, reordering: Double = 0,
        reorderDelay: Duration = .milliseconds(1)
    ) {
        self.delay = delay
        self.jitter = jitter
        self.bitsPerSecond = bitsPerSecond
        self.loss = loss
        self.duplication = duplication
        self.reordering = reordering
        self.reorderDelay = reorderDelay
    }

    /// The loopback device: a few microseconds, nothing lost (the 6.18 captures show 6 to 15 µs per hop).
    public static let loopback = LinkImpairments(delay: .microseconds(6))
}

/// One direction of a link: a queue that serializes packets at the link rate, then delays them.
public struct LinkChannel: Sendable {
    /// What this direction does to packets; changing it takes effect for the next packet.
    public var impairments: LinkImpairments {
        didSet { plainDelay = Self.plainDelay(of: impairments) }
    }
    private var busyUntil = Instant.zero
    private var lastInOrderArrival = Instant.zero
    /// The delay in nanoseconds when the link only delays (the loopback device): no draws and no arithmetic on
    /// `Duration`, which is slow, on that path.
    private var plainDelay: Int64?

    /// A direction with `impairments`, idle at time zero.
    public init(_ impairments: LinkImpairments) {
        self.impairments = impairments
        plainDelay = Self.plainDelay(of: impairments)
    }

    private static func plainDelay(of imp: LinkImpairments) -> Int64? {
        let impaired = imp.bitsPerSecond != nil || imp.loss > 0 || imp.jitter > .zero || imp.reordering > 0
            || imp.duplication > 0
        return impaired ? nil : imp.delay.nanosecondsValue
    }

    /// Whether `transmit` needs the packet's length (only a rate-limited link does).
    public var usesLength: Bool { impairments.bitsPerSecond != nil }

    /// Sends `bytes` at `now` and says when the copies arrive.
    @inline(__always)
    public mutating func transmit(bytes: Int, now: Instant, random: inout SeededRandom) -> Arrivals {
        if let delay = plainDelay {
            // What `transmitImpaired` gives when nothing but the delay applies.
            let arrival = max(Instant(nanoseconds: now.nanoseconds + delay), lastInOrderArrival)
            lastInOrderArrival = arrival
            return Arrivals(first: arrival)
        }
        return transmitImpaired(bytes: bytes, now: now, random: &random)
    }

    private mutating func transmitImpaired(bytes: Int, now: Instant, random: inout SeededRandom) -> Arrivals {
        let imp = impairments
        var departure = now
        if let rate = imp.bitsPerSecond, rate > 0 {
            let start = max(now, busyUntil)
            let serialization = Int64(bytes) * 8 * 1_000_000_000 / rate
            busyUntil = Instant(nanoseconds: start.nanoseconds + serialization)
            departure = busyUntil
        }
        if imp.loss > 0, random.unitInterval() < imp.loss { return Arrivals() }
        var arrival = departure + imp.delay
        if imp.jitter > .zero {
            let span = UInt64(imp.jitter.nanosecondsValue) + 1
            arrival = Instant(nanoseconds: arrival.nanoseconds + Int64(random.next(upperBound: span)))
        }
        if imp.reordering > 0, random.unitInterval() < imp.reordering {
            arrival = arrival + imp.reorderDelay
        } else {
            // Jitter alone never reorders: a packet waits for the one sent before it.
            arrival = max(arrival, lastInOrderArrival)
            lastInOrderArrival = arrival
        }
        var result = Arrivals(first: arrival)
        if imp.duplication > 0, random.unitInterval() < imp.duplication { result.duplicate = arrival }
        return result
    }
}

extension SeededRandom {
    /// A uniform draw from [0, 1) with 53 bits of precision.
    mutating func unitInterval() -> Double { Double(next() >> 11) * 0x1p-53 }
}
