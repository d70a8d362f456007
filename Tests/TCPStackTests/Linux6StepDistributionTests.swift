import Testing
import TCPWire
@testable import TCPStack

/// The live 6.18 kernel's source ports for 20,000 successive refused connects to 127.0.0.1:50001.
private func referencePorts() throws -> [Int] {
    let path = String(#filePath).split(separator: "/").dropLast(2).joined(separator: "/")
    let file = "/" + path + "/Fixtures/linux-6.18-loopback-captures/refused-source-ports-v4.txt"
    guard let text = readTextFile(file) else {
        throw ReferenceMissing(path: file)
    }
    return text.split(separator: "\n").compactMap { Int($0) }
}

struct ReferenceMissing: Error { let path: String }

/// Step histogram over {2, 4, ..., 16}; larger steps (a port held by something else) count as 16.
private func stepHistogram(_ ports: [Int], remaining: Int) -> [Int] {
    var bins = [Int](repeating: 0, count: 8)
    for (a, b) in zip(ports, ports.dropFirst()) {
        let step = ((b - a) % remaining + remaining) % remaining
        bins[min(max(step / 2 - 1, 0), 7)] += 1
    }
    return bins
}

@Suite struct Linux6StepDistributionTests {
    @Test func successiveStepsMatchTheLiveKernelByChiSquare() throws {
        let kernel = try referencePorts()
        #expect(kernel.count == 20_000)
        var random = SeededRandom(seed: 2026)
        var a = Linux6PortAllocator(policy: PortPolicy(range: try PortRange(lower: 32768, upper: 60999)),
                                    random: &random)
        let dest = Endpoint(.v4(.loopback), 50001)
        // Each refused attempt is reset at once, so nothing holds the previous port.
        let model = try (0..<kernel.count).map { _ in
            Int(try a.connectPort(local: .v4(.loopback), remote: dest, isUsable: { _ in true }, random: &random))
        }
        let k = stepHistogram(kernel, remaining: 28232), m = stepHistogram(model, remaining: 28232)
        let result = chiSquareHomogeneity(k, m)
        print("linux-6 steps: kernel \(k) model \(m) chi2 \(result.statistic) dof \(result.dof) p \(result.p)")
        #expect(result.dof == 7)
        #expect(result.p > 0.01)
        #expect(model.allSatisfy { $0 % 2 == 0 })
        #expect(kernel.allSatisfy { $0 % 2 == 0 })
    }

    @Test func aStepOfEighteenWouldBeRejected() throws {
        // The test has power: a model stepping uniformly over {2..18} is far from the kernel's steps.
        let kernel = try referencePorts()
        var random = SeededRandom(seed: 1)
        var port = 40000
        let wrong = (0..<kernel.count).map { _ in
            port = 32768 + (port - 32768 + 2 * Int(random.next() % 9 + 1)) % 28232
            return port
        }
        let result = chiSquareHomogeneity(stepHistogram(kernel, remaining: 28232),
                                          stepHistogram(wrong, remaining: 28232))
        #expect(result.p < 1e-6)
    }
}
