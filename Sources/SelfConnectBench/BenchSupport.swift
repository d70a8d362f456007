#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet

/// Helpers shared by the live-kernel benchmarks.
enum BenchSupport {
    /// One result line: {"bench":..., "value":..., "unit":..., "baseline":..., "ratio":...}.
    static func emit(bench: String, value: Double, unit: String, baseline: Double, note: String) {
        let ratio = baseline > 0 ? value / baseline : 0
        func n(_ x: Double) -> String { String(format: "%.4f", x) }
        print("{\"bench\":\"\(bench)\",\"value\":\(n(value)),\"unit\":\"\(unit)\",\"baseline\":\(n(baseline)),\"ratio\":\(n(ratio)),\"note\":\"\(note)\"}")
    }

    /// Reports a benchmark that could not run, on stdout as JSON and on stderr, and exits 1.
    static func fail(bench: String, _ error: Error) -> Never {
        let text = "\(error)".replacingOccurrences(of: "\"", with: "'")
        print("{\"bench\":\"\(bench)\",\"error\":\"\(text)\"}")
        FileHandle.standardError.write(Data("selfconnect-bench \(bench): \(text)\n".utf8))
        exit(1)
    }

    /// Runs a program to completion with stdout and stderr sent to /dev/null; returns (status, seconds).
    @discardableResult
    static func run(_ path: String, _ arguments: [String], quiet: Bool = true) throws -> (Int32, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if quiet {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        let clock = MonotonicClock()
        let start = clock.now()
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, clock.now() - start)
    }

    /// Runs a program and returns its stdout.
    static func output(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The directory of this executable (SwiftPM puts `selfconnect` beside it).
    static var executableDirectory: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
