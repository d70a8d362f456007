import CPacketDrillABI
import Foundation
import TCPWire
import Testing

/// Loads libselfconnect_packetdrill.so the way packetdrill's --so_filename does and drives a handshake through it.
struct LoadedPlugin {
    let handle: UnsafeMutableRawPointer
    var table = selfconnect_pd_table()

    static var libraryPath: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("libselfconnect_packetdrill.so").path
    }

    init(flags: String) throws {
        guard let handle = dlopen(Self.libraryPath, RTLD_NOW | RTLD_LOCAL) else {
            throw PluginLoadError(message: String(cString: dlerror()))
        }
        self.handle = handle
        guard let symbol = dlsym(handle, "packetdrill_interface_init") else {
            throw PluginLoadError(message: "packetdrill_interface_init is not exported")
        }
        let initialize = unsafeBitCast(symbol, to: selfconnect_pd_init_fn.self)
        flags.withCString { initialize($0, &table) }
    }

    var context: UnsafeMutableRawPointer? { table.context }

    func now() -> Int64 {
        var tv = timeval()
        _ = table.clock_now(context, &tv, nil)
        return Int64(tv.tv_sec) * 1_000_000 + Int64(tv.tv_usec)
    }

    func send(_ packet: IPPacket) -> Int32 {
        let bytes = packet.bytes()
        return bytes.withUnsafeBytes { table.device_send(context, $0.baseAddress, $0.count) }
    }

    /// The next packet the stack sent, with its timestamp, or nil.
    func receive() throws -> (IPPacket, Int64)? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        var count = buffer.count
        var time: Int64 = 0
        let status = buffer.withUnsafeMutableBytes { table.device_receive(context, $0.baseAddress, &count, &time) }
        #expect(status == 0)
        guard count > 0 else { return nil }
        return (try IPPacket(parsing: buffer[0..<count]), time)
    }
}

struct PluginLoadError: Error, CustomStringConvertible {
    var message: String
    var description: String { "cannot load the plugin: \(message)" }
}

private func sockaddrIn(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> sockaddr_in {
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_port = port.bigEndian
    sin.sin_addr.s_addr = (UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)).bigEndian
    return sin
}

@Test func pluginDrivesAPassiveHandshakeThroughTheExportedInterface() throws {
    let plugin = try LoadedPlugin(flags: "personality=linux-6 local_ip=192.168.0.1")
    defer { plugin.table.release(plugin.context) }
    let t = plugin.table, ctx = plugin.context
    let local = IPv4Address(192, 168, 0, 1), peer = IPv4Address(192, 0, 2, 1)

    let fd = t.sock_socket(ctx, AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd == 3)
    var address = sockaddrIn(192, 168, 0, 1, port: 8080)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { t.sock_bind(ctx, fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    #expect(bound == 0)
    #expect(t.sock_listen(ctx, fd, 1) == 0)

    let start = plugin.now()
    let syn = TCPSegment(sourcePort: 40000, destinationPort: 8080, sequenceNumber: 0, flags: .syn, window: 65535,
        options: try TCPOptions([.maxSegmentSize(1460)]))
    #expect(plugin.send(IPPacket(from: .v4(peer), to: .v4(local), tcp: syn)) == 0)
    let (synAck, synAckTime) = try #require(try plugin.receive())
    #expect(synAck.tcp.flags == .synAck)
    #expect(synAck.tcp.acknowledgmentNumber == 1)
    #expect(synAck.destination == Endpoint(.v4(peer), 40000))
    #expect(synAck.tcp.options.mss == 1460)
    #expect(synAckTime == start)

    #expect(t.clock_sleep(ctx, 100_000) == 0)
    #expect(plugin.now() == start + 100_000)
    let iss = synAck.tcp.sequenceNumber
    let ack = TCPSegment(sourcePort: 40000, destinationPort: 8080, sequenceNumber: 1, acknowledgmentNumber: iss &+ 1,
        flags: .ack, window: 65535)
    #expect(plugin.send(IPPacket(from: .v4(peer), to: .v4(local), tcp: ack)) == 0)

    var peerAddress = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let child = withUnsafeMutablePointer(to: &peerAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { t.sock_accept(ctx, fd, $0, &length) }
    }
    #expect(child == 4)
    #expect(UInt16(bigEndian: peerAddress.sin_port) == 40000)
    #expect(UInt32(bigEndian: peerAddress.sin_addr.s_addr) == peer.rawValue)

    var error: Int32 = -1
    var errorLength = socklen_t(4)
    #expect(t.sock_getsockopt(ctx, child, SOL_SOCKET, SO_ERROR, &error, &errorLength) == 0)
    #expect(error == 0)

    let hello = Array("hello".utf8)
    #expect(hello.withUnsafeBytes { t.sock_write(ctx, child, $0.baseAddress, $0.count) } == 5)
    let (data, dataTime) = try #require(try plugin.receive())
    #expect(data.tcp.payload == hello)
    #expect(data.tcp.sequenceNumber == iss &+ 1)
    #expect(dataTime == start + 100_000)

    // Nothing more to send: the device reports no packet and the clock moves by at most one idle step.
    #expect(try plugin.receive() == nil)
    #expect(plugin.now() <= start + 101_000)

    // Calls the engine does not offer fail with ENOSYS rather than crash.
    var ends: [Int32] = [0, 0]
    #expect(t.fd_pipe(ctx, &ends) == -1)
    #expect(errno == ENOSYS)
}

/// Bad `--so_flags` end the loading process with one line and status 2, as the CLI does for bad input.
@Suite struct PluginFlagsTests {
    /// Loads the plugin in a child python3 (ctypes), as packetdrill would, with `flags`.
    static func load(flags: String) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", """
            import ctypes, sys
            lib = ctypes.CDLL(sys.argv[1])
            lib.packetdrill_interface_init(sys.argv[2].encode(), ctypes.create_string_buffer(4096))
            print("loaded")
            """, LoadedPlugin.libraryPath, flags]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: [
        ("personality=nope", "selfconnect_packetdrill: unknown personality 'nope' (one of: "),
        ("personality=linux-6 local_ip=10.0.0", "selfconnect_packetdrill: local_ip '10.0.0' is not an IPv4 address\n"),
        ("speed=fast", "selfconnect_packetdrill: unknown --so_flags item 'speed=fast' (personality=NAME, local_ip=A.B.C.D)\n"),
    ])
    func badFlagsExitTwoWithOneLine(flags: String, message: String) throws {
        let r = try Self.load(flags: flags)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix(message))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func knownPersonalityLoads() throws {
        let r = try Self.load(flags: "personality=freebsd local_ip=192.168.0.1")
        #expect(r.status == 0)
        #expect(r.stderr == "")
    }
}

/// The plugin's socket options go through the shared layer (`SocketCalls`): every option it has, by Linux number.
@Test func pluginSetsAndReadsOptionsThroughTheSharedLayer() throws {
    let plugin = try LoadedPlugin(flags: "personality=linux-6 local_ip=192.168.0.1")
    defer { plugin.table.release(plugin.context) }
    let t = plugin.table, ctx = plugin.context
    let fd = t.sock_socket(ctx, AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(fd == 3)

    var idle: Int32 = 30
    #expect(t.sock_setsockopt(ctx, fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, 4) == 0)
    var value: Int32 = 0
    var length = socklen_t(4)
    #expect(t.sock_getsockopt(ctx, fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &value, &length) == 0)
    #expect(value == 30)

    let reno = Array("reno".utf8)
    #expect(reno.withUnsafeBytes { t.sock_setsockopt(ctx, fd, Int32(IPPROTO_TCP), TCP_CONGESTION, $0.baseAddress, 4) } == 0)
    var name = [UInt8](repeating: 0xff, count: 16)
    var nameLength = socklen_t(16)
    #expect(name.withUnsafeMutableBytes { t.sock_getsockopt(ctx, fd, Int32(IPPROTO_TCP), TCP_CONGESTION, $0.baseAddress, &nameLength) } == 0)
    #expect(Array(name.prefix(Int(nameLength))) == reno + [0])

    let bbr = Array("nope".utf8)
    #expect(bbr.withUnsafeBytes { t.sock_setsockopt(ctx, fd, Int32(IPPROTO_TCP), TCP_CONGESTION, $0.baseAddress, 4) } == -1)
    #expect(errno == ENOENT)
    var on: Int32 = 1
    #expect(t.sock_setsockopt(ctx, fd, SOL_SOCKET, SO_BROADCAST, &on, 4) == -1)
    #expect(errno == ENOPROTOOPT)

    #expect(t.sock_close(ctx, fd) == 0)
    #expect(t.sock_close(ctx, fd) == -1)
    #expect(errno == EBADF)
}

@Test func pluginRefusesAStreamSocketOfANonStreamProtocolAsTheRunnerDoes() throws {
    let plugin = try LoadedPlugin(flags: "personality=linux-6 local_ip=192.168.0.1")
    defer { plugin.table.release(plugin.context) }
    let t = plugin.table, ctx = plugin.context
    #expect(t.sock_socket(ctx, AF_INET, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_UDP)) == -1)
    #expect(errno == EPROTONOSUPPORT)
    #expect(t.sock_socket(ctx, AF_INET, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_TCP)) == 3)
}
