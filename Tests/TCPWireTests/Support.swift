import Foundation
@testable import TCPWire

/// The live-kernel reference captures, kept in the repository: Tests/Fixtures/linux-6.18-loopback-captures.
enum Reference {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/linux-6.18-loopback-captures")

    /// Every reference pcap; a missing or unreadable fixture directory is an error, never an empty list.
    static var pcaps: [URL] {
        get throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            return names.filter { $0.hasSuffix(".pcap") }.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// The IP packets of every reference capture (link header removed).
    static func ipPackets() throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for url in try pcaps {
            for record in try PcapReader.records(in: try bytes(url)) {
                let frame = record.data.withUnsafeBytes { record.linkType.decode($0)! }
                out.append(Array(record.data.dropFirst(frame.headerLength)))
            }
        }
        return out
    }
}

/// A tiny seeded generator (SplitMix64) so property tests are reproducible.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func u8() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: next()) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in u8() } }
}

/// Runs `tcpdump -nn -r FILE` with TZ=UTC. A missing tcpdump is an error: the differential tests need it.
enum Tcpdump {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "tcpdump is not installed (bash .ci/run installs it)" }
    }

    static var path: String? {
        ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/usr/local/bin/tcpdump", "/usr/local/sbin/tcpdump"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func requireInstalled() throws {
        if path == nil { throw Missing() }
    }

    static func print(_ file: URL) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path!)
        p.arguments = ["-nn", "-r", file.path]
        p.environment = ["TZ": "UTC", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    static func print(pcap bytes: [UInt8], name: String) throws -> [String] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tcpwire-\(name)-\(getpid()).pcap")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try print(url)
    }
}
