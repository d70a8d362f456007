import Testing
import TCPWire
@testable import TCPStack

private let loopback = IPAddress.v4(.loopback)
private let dest = Endpoint(.v4(.loopback), 50001)

/// Connects repeatedly, each connection keeping its port, until the allocator reports exhaustion.
private func drain(_ allocator: inout some PortAllocator, seed: UInt64 = 1) -> (ports: [UInt16], error: SocketError?) {
    var random = SeededRandom(seed: seed)
    var held = Set<UInt16>()
    var ports: [UInt16] = []
    for _ in 0..<70_000 {
        do throws(SocketError) {
            let p = try allocator.connectPort(local: loopback, remote: dest, isUsable: { !held.contains($0) },
                                              random: &random)
            held.insert(p)
            ports.append(p)
        } catch {
            return (ports, error)
        }
    }
    return (ports, nil)
}

@Suite struct PortAllocatorTests {
    static let policy = PortPolicy(range: try! PortRange(lower: 40000, upper: 40009),
                                   reserved: ReservedPorts([40003, 40004]))
    static let expected: Set<UInt16> = [40000, 40001, 40002, 40005, 40006, 40007, 40008, 40009]

    static func allocators() -> [(String, any PortAllocator)] {
        var r = SeededRandom(seed: 7)
        return [
            ("linux-3.10", Linux310PortAllocator(policy: policy, random: &r)),
            ("linux-4.6", Linux46PortAllocator(policy: policy, random: &r)),
            ("linux-6", Linux6PortAllocator(policy: policy, random: &r)),
            ("rfc6056-1", RFC6056Algorithm1(policy: policy)),
            ("rfc6056-3", RFC6056Algorithm3(policy: policy, random: &r)),
            ("rfc6056-4", RFC6056Algorithm4(policy: policy, random: &r)),
            ("xnu", XNUPortAllocator(policy: policy, random: &r)),
        ]
    }

    @Test func everyAllocatorHandsOutEachUnreservedPortOnceThenEADDRNOTAVAIL() {
        for (name, allocator) in Self.allocators() {
            var a = allocator
            let (ports, error) = drain(&a)
            #expect(Set(ports) == Self.expected, "\(name)")
            #expect(ports.count == Self.expected.count, "\(name)")
            #expect(error == .addressNotAvailable, "\(name)")
        }
    }

    /// Algorithms 2 and 5 probe at random, at most `num` times, so they may give up before the range is full
    /// (RFC 6056 §3.3.2, §3.3.5); they must still stay in range, skip reserved ports and end in EADDRNOTAVAIL.
    @Test func randomProbingAlgorithmsStayInRangeAvoidReservedAndFailWhenFull() {
        var r = SeededRandom(seed: 8)
        let allocators: [any PortAllocator] = [RFC6056Algorithm2(policy: Self.policy),
                                               RFC6056Algorithm5(policy: Self.policy, random: &r)]
        for allocator in allocators {
            var a = allocator
            let (ports, error) = drain(&a)
            #expect(ports.count >= 4)
            #expect(Set(ports).isSubset(of: Self.expected))
            #expect(Set(ports).count == ports.count)
            #expect(error == .addressNotAvailable)
            var random = SeededRandom(seed: 1)
            #expect(throws: SocketError.addressNotAvailable) {
                try a.connectPort(local: loopback, remote: dest, isUsable: { _ in false }, random: &random)
            }
        }
    }

    @Test func bindZeroHonoursRangeReservedAndExhaustion() {
        for (name, allocator) in Self.allocators() {
            var a = allocator
            var random = SeededRandom(seed: 3)
            var held = Set<UInt16>()
            var failure: SocketError?
            for _ in 0..<20 {
                do throws(SocketError) {
                    held.insert(try a.bindPort(local: loopback, isUsable: { !held.contains($0) }, random: &random))
                } catch { failure = error; break }
            }
            #expect(held == Self.expected, "\(name)")
            #expect(failure == .addressNotAvailable, "\(name)")
        }
    }

    @Test func linuxParityAllocatorsGiveEvenPortsForConnectUntilEvensRunOut() {
        var r = SeededRandom(seed: 11)
        let policy = PortPolicy(range: try! PortRange(lower: 32768, upper: 32867))
        let allocators: [any PortAllocator] = [Linux46PortAllocator(policy: policy, random: &r),
                                               Linux6PortAllocator(policy: policy, random: &r)]
        for allocator in allocators {
            var a = allocator
            let (ports, error) = drain(&a)
            #expect(ports.count == 100)
            #expect(ports.prefix(50).allSatisfy { $0 % 2 == 0 })
            #expect(ports.suffix(50).allSatisfy { $0 % 2 == 1 })
            #expect(error == .addressNotAvailable)
        }
    }

    @Test func linuxBindZeroPrefersOddPorts() throws {
        var r = SeededRandom(seed: 5)
        let policy = PortPolicy(range: try PortRange(lower: 32768, upper: 60999))
        var a = Linux6PortAllocator(policy: policy, random: &r)
        for _ in 0..<200 {
            #expect(try a.bindPort(local: loopback, isUsable: { _ in true }, random: &r) % 2 == 1)
        }
    }

    @Test func linux310GivesSuccessivePortsOnceTheHintBrings49999Up() throws {
        let policy = PortPolicy(range: try PortRange(lower: 32768, upper: 61000))
        let key = SipKey(k0: 0x0123_4567_89ab_cdef, k1: 0xfedc_ba98_7654_3210)
        var random = SeededRandom(seed: 1)
        let target = Endpoint(.v4(.loopback), 50000)
        // Find the global hint that makes the hash put 49999 first, as it did in the article's trace.
        var hint: UInt32 = 0
        while true {
            var probe = Linux310PortAllocator(policy: policy, key: key, hint: hint)
            if try probe.connectPort(local: loopback, remote: target, isUsable: { _ in true }, random: &random) == 49999 {
                break
            }
            hint += 1
        }
        var a = Linux310PortAllocator(policy: policy, key: key, hint: hint)
        let first = try a.connectPort(local: loopback, remote: target, isUsable: { _ in true }, random: &random)
        let second = try a.connectPort(local: loopback, remote: target, isUsable: { _ in true }, random: &random)
        #expect([first, second] == [49999, 50000])
        // A held port is skipped and the sequence continues right after it.
        let third = try a.connectPort(local: loopback, remote: target, isUsable: { $0 != 50001 }, random: &random)
        #expect(third == 50002)
    }

    @Test func xnuCountsUpAndWrapsInItsRange() throws {
        var r = SeededRandom(seed: 2)
        let policy = PortPolicy(range: try PortRange(lower: 65533, upper: 65535))
        var a = XNUPortAllocator(policy: policy, random: &r)
        var ports: [UInt16] = []
        for _ in 0..<6 { ports.append(try a.connectPort(local: loopback, remote: dest, isUsable: { _ in true }, random: &r)) }
        let start = Int(ports[0]) - 65533
        #expect(ports == (0..<6).map { UInt16(65533 + (start + $0) % 3) })
    }

    @Test func sameSeedGivesTheSamePorts() throws {
        func run() throws -> [UInt16] {
            var r = SeededRandom(seed: 99)
            var a = Linux6PortAllocator(policy: PortPolicy(range: try PortRange(lower: 32768, upper: 60999)), random: &r)
            return try (0..<50).map { _ in try a.connectPort(local: loopback, remote: dest, isUsable: { _ in true }, random: &r) }
        }
        #expect(try run() == run())
    }
}

@Suite struct SipHashTests {
    // The SipHash-2-4 paper's test vector: key 00..0f, message 00..0e (15 bytes).
    @Test func matchesTheReferenceVector() {
        var h = SipHasher(key0: 0x0706_0504_0302_0100, key1: 0x0f0e_0d0c_0b0a_0908)
        for b in 0..<15 { h.append(UInt8(b)) }
        #expect(h.finalize() == 0xa129_ca61_49be_45e5)
    }

    @Test func emptyMessageMatchesTheReferenceVector() {
        let h = SipHasher(key0: 0x0706_0504_0302_0100, key1: 0x0f0e_0d0c_0b0a_0908)
        #expect(h.finalize() == 0x726f_db47_dd0e_0e31)
    }
}

@Suite struct ReservedPortsTests {
    @Test func parsesTheSysctlFormatAndPrintsItBack() throws {
        let r = try ReservedPorts(parsing: "8080, 9000-9002,22\n")
        #expect(r.count == 5)
        #expect(r.contains(9001) && r.contains(22) && !r.contains(9003))
        #expect(r.description == "22,8080,9000-9002")
        #expect(try ReservedPorts(parsing: "").count == 0)
    }

    @Test(arguments: ["9002-9000", "abc", "70000", "1-2-3", "-5"])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: SocketError.invalidArgument) { try ReservedPorts(parsing: text) }
    }
}

@Suite struct Linux6ContentionTests {
    @Test func afterSkippingSevenOrMoreHeldPortsTheNextConnectTakesTheVeryNextEvenPort() throws {
        // step = max(i, 2 * random(0..7)) + 2: once i >= 14 the jitter cannot win, so the slot lands on C + 2.
        var random = SeededRandom(seed: 21)
        var a = Linux6PortAllocator(policy: PortPolicy(range: try PortRange(lower: 32768, upper: 60999)),
                                    random: &random)
        let free = try a.connectPort(local: loopback, remote: dest, isUsable: { _ in true }, random: &random)
        // Hold the next 40 even ports after wherever the next probe starts (at most 16 beyond `free`).
        let blocked = Set((1...48).map { UInt16(Int(free) + 2 * $0) })
        let c = try a.connectPort(local: loopback, remote: dest, isUsable: { !blocked.contains($0) }, random: &random)
        #expect(Int(c) == Int(free) + 98)
        #expect(try a.connectPort(local: loopback, remote: dest, isUsable: { _ in true }, random: &random) == c + 2)
    }

    @Test func bindZeroAgainstABindTableSkipsPortsBoundWithoutReuse() throws {
        var table = BindTable()
        let range = try PortRange(lower: 40000, upper: 40003)
        for p: UInt16 in [40001, 40003] { _ = try table.bind(Endpoint(.v4(.any), p)) }
        var random = SeededRandom(seed: 4)
        var a = Linux6PortAllocator(policy: PortPolicy(range: range), random: &random)
        // Odd ports are bound, so bind(0) falls back to the even ones.
        let p = try a.bindPort(local: loopback, isUsable: { table.canBind(Endpoint(loopback, $0)) }, random: &random)
        #expect(p == 40000 || p == 40002)
        _ = try table.bind(Endpoint(loopback, p))
        let q = try a.bindPort(local: loopback, isUsable: { table.canBind(Endpoint(loopback, $0)) }, random: &random)
        #expect(Set([p, q]) == [40000, 40002])
        #expect(throws: SocketError.addressNotAvailable) {
            _ = try table.bind(Endpoint(loopback, q))
            _ = try a.bindPort(local: loopback, isUsable: { table.canBind(Endpoint(loopback, $0)) }, random: &random)
        }
    }
}
