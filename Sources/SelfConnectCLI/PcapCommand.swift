import ArgumentParser
import Foundation
import TCPWire

struct PcapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcap",
        abstract: "Read and print pcap files as tcpdump does.",
        subcommands: [PcapPrintCommand.self]
    )
}

struct PcapPrintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print every packet of a pcap or pcapng file as `tcpdump -nn -r FILE` does (times in UTC).",
        discussion: """
            Reads classic pcap (either byte order, micro- or nanosecond) and pcapng, link types RAW, EN10MB, \
            NULL/LOOP, LINUX_SLL and LINUX_SLL2. A truncated or corrupt file prints the packets before the \
            damage, then one line naming the offset, and exits 2.
            """
    )

    @Argument(help: "The capture file.")
    var file: String

    @Flag(help: "One JSON object per packet instead of tcpdump lines.")
    var json = false

    func run() async throws {
        let bytes = try Self.readFile(file)
        var printer = TcpdumpPrinter(interfaceName: Self.interfaceName)
        var out = OutputBuffer()
        var index = 0
        do {
            try Self.forEachRecord(in: bytes) { record in
                index += 1
                out.write(json ? PacketJSON.object(for: record, index: index) : printer.line(for: record))
            }
        } catch {
            out.flush()
            throw ValidationError("\(file): \(error)")
        }
        out.flush()
    }

    /// Streams records so the packets before a damaged spot are printed, as tcpdump does.
    static func forEachRecord(in bytes: [UInt8], _ body: (PcapRecord) -> Void) throws(PcapError) {
        if bytes.count >= 4, bytes[0] == 0x0a, bytes[1] == 0x0d, bytes[2] == 0x0d, bytes[3] == 0x0a {
            var reader = try PcapNGReader(bytes: bytes)
            while let r = try reader.nextRecord() { body(r) }
        } else {
            var reader = try PcapReader(bytes: bytes)
            guard reader.linkType.isSupported else { throw .unsupportedLinkType(reader.linkType) }
            while let r = try reader.nextRecord() { body(r) }
        }
    }

    /// The whole file, or a ValidationError with the system's reason (no such file, is a directory, ...).
    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ValidationError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw ValidationError("\(path): cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// tcpdump names LINUX_SLL2 interfaces with this host's if_indextoname.
    static func interfaceName(_ index: UInt32) -> String? {
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE))
        guard if_indextoname(index, &name) != nil else { return nil }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Collects output lines and writes them to stdout in large chunks.
struct OutputBuffer {
    private var text = ""

    mutating func write(_ line: String) {
        text += line
        text += "\n"
        if text.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
        text = ""
    }
}
