import TCPWire

/// `selfconnect-bench wire`: packets parsed, checksum-verified and re-emitted per second.
/// There is no kernel analogue to compare against, so the baseline is the rate of copying the
/// same bytes (memcpy into a reused buffer): the ratio says what fraction of a bare copy we reach.
enum WireBench {
    static func run() {
        let data = IPPacket(
            from: .v4(.loopback), to: .v4(.loopback),
            tcp: TCPSegment(
                sourcePort: 50000, destinationPort: 50000, sequenceNumber: 669_394_855, acknowledgmentNumber: 669_394_855,
                flags: [.psh, .ack], window: 64,
                options: try! TCPOptions([.noOperation, .noOperation, .timestamps(value: 1, echoReply: 2)]),
                payload: (0..<1460).map { UInt8(truncatingIfNeeded: $0) }
            )
        ).bytes()
        let syn = IPPacket(
            from: .v4(.loopback), to: .v4(.loopback),
            tcp: TCPSegment(
                sourcePort: 50000, destinationPort: 50000, sequenceNumber: 669_394_854, flags: .syn, window: 65495,
                options: try! TCPOptions([
                    .maxSegmentSize(65495), .sackPermitted, .timestamps(value: 3_547_818_488, echoReply: 0),
                    .noOperation, .windowScale(10),
                ])
            )
        ).bytes()
        report("wire.ipv4_1460_payload", data, iterations: 2_000_000)
        report("wire.ipv4_syn_linux_options", syn, iterations: 5_000_000)
    }

    private static func report(_ name: String, _ packet: [UInt8], iterations: Int) {
        let ours = rate(iterations, on: packet) { input, output in
            // Parse with checksum verification, then emit with freshly computed checksums.
            guard let p = try? IPPacket(parsing: input, verifyChecksums: true) else { return 0 }
            return p.write(to: output)
        }
        let copy = rate(iterations, on: packet) { input, output in
            output.copyMemory(from: input)
            return input.count
        }
        print(
            "{\"bench\":\"\(name)\",\"value\":\(Int(ours)),\"unit\":\"packets/s\","
                + "\"baseline\":\(Int(copy)),\"ratio\":\(Double(Int(ours / copy * 10000)) / 10000),"
                + "\"baseline_kind\":\"memcpy of the same \(packet.count) bytes\"}"
        )
    }

    /// Runs `body` over the packet `iterations` times (after a warm-up) and returns calls per second.
    private static func rate(
        _ iterations: Int, on packet: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int
    ) -> Double {
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { output.deallocate() }
        var sink = 0
        let seconds: Double = packet.withUnsafeBytes { input in
            for _ in 0..<iterations / 10 { sink &+= body(input, output) }
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<iterations { sink &+= body(input, output) }
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        // Keep the work observable so the optimizer cannot drop it.
        if sink == 42 { print("") }
        return Double(iterations) / seconds
    }
}
