import ArgumentParser
import Foundation
import NetSim
import TCPStack

/// `simulate --html` and `--compare`: the step-by-step page of one run, or several personalities side by side.
extension SimulateCommand {
    /// The personalities of `--compare A,B,...` (at least two, each known).
    func comparedPersonalities(_ list: String) throws -> [String] {
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard names.count >= 2, !names.contains("") else {
            throw ValidationError("--compare needs two or more personalities separated by commas, got '\(list)'")
        }
        for n in names {
            do { _ = try Personality.named(n, host: SysctlSnapshot()) } catch { throw ValidationError(error.description) }
        }
        return names
    }

    /// Runs the scenario under each personality, prints where each parts from the first, and writes the page.
    func runCompare(_ list: String) throws {
        let names = try comparedPersonalities(list)
        let base = try validatedOptions()
        let htmlURL = try html.map { try Self.writableFile($0, flag: "--html") }
        let snapshot = names.contains(Personality.hostName) ? try PersonalityOption.hostSnapshot() : nil
        let runs = try names.map { name -> ExplainerRun in
            var options = base
            options.personality = name
            options.recordSteps = true
            return ExplainerRun(try SimulationEngine.run(options, host: snapshot))
        }
        let comparison = Comparison(runs)
        var out: [String] = []
        for i in runs.indices.dropFirst() {
            out.append(comparison.reason(i) ?? "\(names[i]) does what \(names[0]) does at every step")
        }
        FileHandle.standardOutput.write(Data((out.joined(separator: "\n") + "\n").utf8))
        if let htmlURL { try Self.write(Data(HTMLPage.render(comparison).utf8), to: htmlURL) }
    }
}
