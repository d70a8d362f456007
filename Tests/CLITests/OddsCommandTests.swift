import Foundation
import Testing

@Suite struct OddsCommandTests {
    @Test func sequentialLinux310GivesTheExactMeanOfHalfTheRange() throws {
        let r = try CLIRunner.run(["odds", "--port", "50000", "--personality", "linux-3.10", "--attempts", "1000"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("P(self-connect within 1000 attempts) = 3.5%"))   // 1000 / 28233
        #expect(r.stdout.contains("expected attempts 14117, median 14117"))
        #expect(r.stdout.contains("method: exact"))
    }

    @Test func linux6JSONReportsAMonteCarloMeanNearTheEvenPortCount() throws {
        let r = try CLIRunner.run(["odds", "--port", "50000", "--trials", "40", "--seed", "3", "--json"])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "possible")
        #expect(object["personality"] as? String == "linux-6")
        let odds = try #require(object["odds"] as? [String: Any])
        #expect(odds["method"] as? String == "monte-carlo")
        #expect(odds["trials"] as? Int == 40)
        let mean = try #require(odds["mean_attempts"] as? Double)
        #expect(mean > 7_000 && mean < 20_000)
    }

    @Test func oddPortSaysTheEvenPortsMustBeExhaustedFirstAndGivesTheOdds() throws {
        let r = try CLIRunner.run(["odds", "--port", "50001", "--personality", "linux-4.6"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("needs every even port in the range exhausted first"))
        #expect(r.stdout.contains("if every even port were held:"))
        #expect(r.stdout.contains("expected attempts 7059"))   // (14,116 + 1) / 2 odd ports, exact
    }

    @Test func portOutsideTheRangeCannotSelfConnectWithoutBind() throws {
        let r = try CLIRunner.run(["odds", "--port", "8080", "--range", "32768-60999"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("cannot happen without bind()"))
    }

    @Test func xnuRefusesIPv4SelfConnect() throws {
        let r = try CLIRunner.run(["odds", "--port", "50000", "--personality", "xnu"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("EINVAL"))
    }

    @Test(arguments: [
        (["odds", "--port", "50000", "--personality", "solaris"], "selfconnect: unknown personality 'solaris' (one of: linux-3.10, linux-4.6, linux-6, rfc9293, xnu, freebsd, host, rfc6056-1"),
        (["odds", "--port", "50000", "--range", "60999-32768"], "--range must be LO-HI"),
        (["odds", "--port", "50000", "--range", "-"], "--range must be LO-HI"),
        (["odds", "--port", "50000", "--range", "0-100"], "--range must be LO-HI"),
        (["odds", "--port", "0"], "--port must be in 1-65535"),
        (["odds", "--port", "65536"], "--port must be in 1-65535"),
        (["odds", "--port", "50000", "--attempts", "0"], "--attempts must be at least 1"),
    ])
    func badInputIsOneLineAndExitTwo(_ arguments: [String], _ message: String) throws {
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stderr.hasPrefix("selfconnect: ") && r.stderr.contains(message), "\(r.stderr)")
    }
}
