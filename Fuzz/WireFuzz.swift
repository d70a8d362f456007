// libFuzzer entry point for TCPWire, compiled together with Sources/TCPWire/*.swift by Fuzz/run.sh.
// Properties checked on every input, beyond "no crash":
//  - bytes that parse re-emit byte for byte (checksums as stored), and parse back to the same value;
//  - a packet emitted with filled checksums passes verification;
//  - the tcpdump printer and both capture readers accept anything without trapping.

@_cdecl("LLVMFuzzerTestOneInput")
public func wireFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    checkPacket(bytes)
    let array = Array(bytes)
    var printer = TcpdumpPrinter()
    _ = printer.line(ipBytes: array[...])
    if let records = try? CaptureFile.records(in: array) {
        for r in records { _ = printer.line(for: r) }
    }
    return 0
}

private func checkPacket(_ bytes: UnsafeRawBufferPointer) {
    guard let packet = try? IPPacket(parsing: bytes) else { return }
    let stored = packet.bytes(checksums: .asStored)
    precondition(stored.elementsEqual(bytes), "emit(parse(b)) != b")
    let again = try? IPPacket(parsing: stored)
    precondition(again == packet, "parse(emit(x)) != x")
    var filled = packet
    filled.fillChecksums()
    precondition((try? IPPacket(parsing: filled.bytes(), verifyChecksums: true)) == filled, "filled checksums fail")
}
