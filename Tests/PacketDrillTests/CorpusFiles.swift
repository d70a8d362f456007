import Foundation

/// The script corpus in Tests/Scripts, found from this source file's path.
enum CorpusFiles {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts")
    }

    /// Every `.pkt` file, as (path relative to Tests/Scripts, text), sorted by path.
    static func all() throws -> [(name: String, text: String)] {
        let base = root.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [(String, String)] = []
        for case let relative as String in walker where relative.hasSuffix(".pkt") {
            let text = try String(contentsOfFile: base + "/" + relative, encoding: .utf8)
            files.append((relative, text))
        }
        return files.sorted { $0.0 < $1.0 }
    }
}
