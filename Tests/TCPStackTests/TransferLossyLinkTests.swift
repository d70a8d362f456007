import Glibc
import Testing
@testable import TCPStack

/// Seeds per batch; the fast run covers `batches × perBatch` seeds, the long one (TRANSFER_LONG_RUN=1) 10,000+.
private let perBatch: UInt64 = 100
private let longRun: Bool = {
    guard let v = getenv("TRANSFER_LONG_RUN") else { return false }
    return String(cString: v) == "1"
}()

@Suite("Reliable transfer over a lossy in-memory link")
struct TransferLossyLinkTests {
    @Test func sameSeedGivesTheSameRun() {
        let x = TransferRun(seed: 42), y = TransferRun(seed: 42)
        #expect(x.simulatedTime == y.simulatedTime)
        #expect(x.packets == y.packets)
        #expect(x.outcome == y.outcome)
    }

    @Test(arguments: 0..<20)
    func everyByteArrivesOnceInOrderOverLossDuplicationAndReordering(batch: Int) {
        checkBatch(batch)
    }

    @Test(.enabled(if: longRun, "set TRANSFER_LONG_RUN=1 for 10,000 more seeds"), arguments: 20..<120)
    func longRunOfTenThousandSeeds(batch: Int) {
        checkBatch(batch)
    }

    private func checkBatch(_ batch: Int) {
        var completed = 0, failed = 0
        for seed in UInt64(batch) * perBatch..<UInt64(batch + 1) * perBatch {
            let run = TransferRun(seed: seed)
            #expect(run.digestsMatch, "seed \(seed): \(run.profile), sizes \(run.sizes)")
            switch run.outcome {
            case .completed: completed += 1
            case .failed(let e):
                failed += 1
                #expect(e == .timedOut, "seed \(seed): \(e)")
            case .stalled:
                Issue.record("seed \(seed) stalled after \(run.simulatedTime): \(run.profile), sizes \(run.sizes)")
            }
        }
        #expect(completed + failed == Int(perBatch))
    }
}
