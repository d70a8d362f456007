import PacketDrill
import Testing

@Test func corpusHasAtLeastEightyScriptsThatAllParse() throws {
    let files = try CorpusFiles.all()
    #expect(files.count >= 80)
    for file in files {
        do {
            let script = try ScriptParser.parse(file.text, file: file.name)
            #expect(!script.events.isEmpty, "\(file.name) has no events")
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Test func everyCorpusScriptDeclaresAPersonalityAndCitesItsSource() throws {
    let known: Set<String> = ["rfc9293", "linux-3.10", "linux-6", "linux-hardened"]
    for file in try CorpusFiles.all() {
        let script = try ScriptParser.parse(file.text, file: file.name)
        #expect(script.personality.map(known.contains) == true, "\(file.name): personality \(script.personality ?? "none")")
        let header = file.text.split(separator: "\n").prefix(3).joined(separator: "\n")
        #expect(header.contains("RFC") || header.contains("Linux"), "\(file.name) cites no RFC section")
    }
}

@Test func corpusCoversEveryStateAgainstEverySegmentKind() throws {
    let names = Set(try CorpusFiles.all().map(\.name))
    let states = [
        "closed", "listen", "syn-sent", "syn-received", "established", "fin-wait-1", "fin-wait-2", "close-wait",
        "closing", "last-ack", "time-wait",
    ]
    let kinds = ["syn", "syn-ack", "ack", "rst", "rst-ack", "fin", "data"]
    var missing: [String] = []
    for state in states {
        for kind in kinds {
            let covered = names.contains { $0.hasPrefix("\(state)/\(kind).") || $0.hasPrefix("\(state)/\(kind)-") }
            if !covered { missing.append("\(state)/\(kind)") }
        }
    }
    #expect(missing == [])
}
