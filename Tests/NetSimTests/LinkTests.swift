import NetSim
import TCPStack
import Testing

@Suite struct LinkTests {
    /// Sends `n` packets 1 ms apart through a channel and returns their arrivals.
    func send(_ imp: LinkImpairments, n: Int = 10_000, seed: UInt64 = 42) -> [Arrivals] {
        var channel = LinkChannel(imp)
        var random = SeededRandom(seed: seed)
        return (0..<n).map { i in channel.transmit(bytes: 100, now: .milliseconds(Int64(i)), random: &random) }
    }

    @Test func idealLinkAddsExactlyTheDelay() {
        let out = send(LinkImpairments(delay: .microseconds(250)), n: 3)
        #expect(out.map(\.first) == [250_000, 1_250_000, 2_250_000].map { Instant(nanoseconds: $0) })
        #expect(out.allSatisfy { $0.duplicate == nil })
    }

    @Test func lossRateMatchesTheProbability() {
        let lost = send(LinkImpairments(loss: 0.1)).filter { $0.first == nil }.count
        #expect((900...1100).contains(lost), "lost \(lost) of 10000")
    }

    @Test func duplicationRateMatchesTheProbability() {
        let dups = send(LinkImpairments(duplication: 0.05)).filter { $0.duplicate != nil }.count
        #expect((420...580).contains(dups), "duplicated \(dups) of 10000")
    }

    @Test func jitterStaysWithinItsBoundAndKeepsOrder() {
        let imp = LinkImpairments(delay: .milliseconds(5), jitter: .milliseconds(3))
        let times = send(imp).map { $0.first!.nanoseconds }
        let extra = times.enumerated().map { $0.element - Int64($0.offset) * 1_000_000 - 5_000_000 }
        #expect(extra.allSatisfy { $0 >= 0 && $0 <= 3_000_000 })
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        // Uniform on [0, 3 ms] before the in-order clamp: the mean lies well above zero.
        let mean = extra.reduce(0, +) / Int64(extra.count)
        #expect(mean > 1_000_000)
    }

    @Test func reorderingLetsLaterPacketsOvertake() {
        let imp = LinkImpairments(reordering: 0.2, reorderDelay: .microseconds(2_500))
        let times = send(imp).map { $0.first!.nanoseconds }
        let overtaken = zip(times, times.dropFirst()).filter { $0 > $1 }.count
        // A held packet is overtaken by the next one whenever that one is not held too: about 0.2 * 0.8.
        #expect((1_400...1_800).contains(overtaken), "overtaken \(overtaken) of 10000")
    }

    @Test func rateSerializesBackToBackPackets() {
        // 100 bytes at 800 kbit/s take 1 ms each; ten sent at once leave 1 ms apart.
        var channel = LinkChannel(LinkImpairments(bitsPerSecond: 800_000))
        var random = SeededRandom(seed: 1)
        let times = (0..<10).map { _ in channel.transmit(bytes: 100, now: .zero, random: &random).first!.nanoseconds }
        #expect(times == (1...10).map { Int64($0) * 1_000_000 })
    }

    @Test func sameSeedSameImpairments() {
        let imp = LinkImpairments(
            delay: .milliseconds(1), jitter: .microseconds(500), loss: 0.05, duplication: 0.02, reordering: 0.05)
        #expect(send(imp, seed: 7) == send(imp, seed: 7))
        #expect(send(imp, seed: 7) != send(imp, seed: 8))
    }
}
