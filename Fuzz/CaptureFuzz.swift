// libFuzzer entry point for the capture readers, compiled together with Sources/TCPWire/*.swift by Fuzz/run.sh.
// Each input is a capture file. Beyond "no trap":
//  - classic pcap and pcapng readers stop within the file: every record's bytes and offset lie inside it, offsets
//    rise, and there are no more records than 16-byte (pcap) or 28-byte (pcapng) headers fit;
//  - reading is deterministic, and `CaptureFile` returns what the reader it picks returns;
//  - a classic pcap's records, written again by `PcapWriter` with the same link type, resolution and stamps, read
//    back the same (when every stamp fits the format: the reader carries an out-of-range fraction into the
//    seconds, which can pass 2^32 - 1).

@_cdecl("LLVMFuzzerTestOneInput")
public func captureFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var records: [PcapRecord] = []
    var isNG = false
    if let reader = try? PcapNGReader(bytes: bytes) {
        isNG = true
        var r = reader
        while let record = try? r.nextRecord() { records.append(record) }
    } else if let reader = try? PcapReader(bytes: bytes) {
        var r = reader
        while let record = try? r.nextRecord() { records.append(record) }
        rewrite(records, like: reader)
    }
    var previous = -1
    for r in records {
        precondition(r.offset > previous && r.offset < bytes.count, "record offset \(r.offset) out of order or outside")
        precondition(r.data.startIndex >= 0 && r.data.endIndex <= bytes.count, "record bytes outside the file")
        previous = r.offset
    }
    precondition(records.count <= size / (isNG ? 28 : 16), "\(records.count) records in \(size) bytes")
    if let all = try? CaptureFile.records(in: bytes) {
        precondition(all == records, "CaptureFile disagrees with its reader")
    }
    return 0
}

private func rewrite(_ records: [PcapRecord], like reader: PcapReader) {
    guard reader.linkType.isSupported,
          records.allSatisfy({ $0.linkType == reader.linkType && $0.timestamp.seconds <= Int64(UInt32.max) })
    else { return }
    var writer = PcapWriter(linkType: reader.linkType, snapLength: reader.snapLength,
                            nanosecondResolution: reader.nanosecondResolution)
    for r in records { writer.append(frame: Array(r.data), originalLength: r.originalLength, at: r.timestamp) }
    guard let again = try? PcapReader.records(in: writer.bytes) else {
        preconditionFailure("a rewritten capture does not read")
    }
    precondition(again.count == records.count, "rewritten: \(again.count) records, was \(records.count)")
    for (a, b) in zip(again, records) {
        precondition(a.data == b.data && a.originalLength == b.originalLength && a.timestamp == b.timestamp,
                     "rewritten record differs at offset \(b.offset)")
    }
}
