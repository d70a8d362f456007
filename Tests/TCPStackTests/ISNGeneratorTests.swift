import Testing
import TCPWire
@testable import TCPStack

@Suite struct ISNGeneratorTests {
    /// RFC 6528 F(): the IPv4 ISN hashes local address, remote address and both ports as twelve bytes in one go;
    /// the result must equal the streaming SipHash-2-4 (checked against the reference vectors in SipHashTests)
    /// fed the same words.
    @Test func ipv4ISNEqualsStreamingSipHashOfAddressesAndPorts() {
        let secret = SipKey(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        let generator = ISNGenerator(secret: secret)
        let cases: [(Endpoint, Endpoint)] = [
            (Endpoint(.v4(IPv4Address(127, 0, 0, 1)), 40000), Endpoint(.v4(IPv4Address(127, 0, 0, 1)), 40000)),
            (Endpoint(.v4(IPv4Address(10, 0, 0, 2)), 32768), Endpoint(.v4(IPv4Address(10, 0, 0, 1)), 81)),
            (Endpoint(.v4(IPv4Address(255, 1, 128, 7)), 65535), Endpoint(.v4(IPv4Address(0, 0, 0, 0)), 1)),
        ]
        for (local, remote) in cases {
            var h = SipHasher(key0: secret.k0, key1: secret.k1)
            h.append(local.address)
            h.append(remote.address)
            h.append(UInt32(local.port) << 16 | UInt32(remote.port))
            let expected = UInt32(truncatingIfNeeded: h.finalize())
            // At time zero the clock term M is 0, so the ISN is F() itself.
            #expect(generator.isn(local: local, remote: remote, now: .zero, clockShift: 6).rawValue == expected)
        }
    }
}
