import NetSim
import TCPStack
import Testing

/// RFC 5961 §3-5 as a run: an off-path attacker that knows the 4-tuple but not the sequence numbers injects RST,
/// SYN and data segments with random numbers at both ends of an ESTABLISHED connection moving data both ways.
/// 30,000 segments here (3 s of simulated time at 10,000/s); `selfconnect-bench blind` sends 1,000,000.
@Suite struct BlindAttackTests {
    static let personalities: [TCPConfiguration] = [.linux310, .linux46, .linux6, .rfc9293]

    @Test(arguments: personalities)
    func blindSegmentsNeitherResetNorCorruptAndChallengeAcksStayWithinTheLimits(configuration: TCPConfiguration) {
        var options = BlindAttack.Options(configuration: configuration)
        options.segments = 30_000
        options.segmentsPerSecond = 10_000
        options.bytesPerMillisecond = 1024
        options.seed = 5961
        let run = BlindAttack(options)

        #expect(run.injected.rst + run.injected.syn + run.injected.data == 30_000)
        #expect(min(run.injected.rst, run.injected.syn, run.injected.data) > 9_000)
        #expect(run.duration >= .seconds(3))
        #expect(run.establishedThroughout)
        for (i, end) in run.ends.enumerated() {
            #expect(end.resets == 0, "end \(i)")
            // Three seconds of writing, every byte read at the other end: SHA-256 over each direction.
            #expect(end.sent.count >= 3_000_000, "end \(i)")
            #expect(SHA256.hash(end.receivedByPeer) == SHA256.hash(end.sent), "end \(i)")
        }

        let acks = run.challengeAcks(against: configuration)
        // RST and SYN out of the window draw a duplicate ACK (RFC 9293 §3.10.7.4 first) or, in Linux, a challenge
        // ACK for the SYN (tcp_validate_incoming's syn_challenge); in-window ones a challenge ACK.
        #expect(acks.total + acks.limitedDupAcks > 0, "the attack drew ACKs")
        #expect(acks.withinLimits, "\(acks)")
        switch configuration.name {
        case "linux-3.10":  // tcp_challenge_ack_limit 100/s per host, nothing per socket
            #expect(acks.mostInOneSecond == 100)
        case "linux-4.6", "linux-6":  // tcp_invalid_ratelimit: one per 500 ms per socket
            #expect(acks.shortestGap.map { $0 >= .milliseconds(500) } == true)
            #expect(acks.total <= 2 * (3 * 2 + 2))
        default:  // rfc9293: no limit configured; at most one per blind segment
            #expect(acks.total + acks.limitedDupAcks <= 30_000)
        }
    }
}
