#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import SelfConnectGuard
@testable import SelfConnectNIO
import Synchronization
import Testing

// Ports: 31200-31209 belong to this file.

/// Counts what the client pipeline saw, from any event loop thread.
final class ClientProbe: Sendable {
    let channels = Atomic<Int>(0)
    let activations = Atomic<Int>(0)
}

/// Records `channelActive` behind the guard, to prove a refused channel never reaches the user's handlers.
final class ActivationProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let probe: ClientProbe
    init(_ probe: ClientProbe) { self.probe = probe }
    func channelActive(context: ChannelHandlerContext) {
        probe.activations.add(1, ordering: .relaxed)
        context.fireChannelActive()
    }
}

func clientBootstrap(probe: ClientProbe, guardHandler: Bool = true, bindTo source: SocketAddress? = nil)
    -> ClientBootstrap
{
    var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.socketOption(.so_reuseaddr), value: 1)
        .channelInitializer { channel in
            probe.channels.add(1, ordering: .relaxed)
            return channel.eventLoop.makeCompletedFuture {
                if guardHandler { try channel.pipeline.syncOperations.addHandler(SelfConnectGuardHandler()) }
                try channel.pipeline.syncOperations.addHandler(ActivationProbe(probe))
            }.flatMap {
                // RST on close: a refused self-connection leaves no TIME_WAIT, which would make the next connect
                // from the same bound port fail with EADDRNOTAVAIL.
                (channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                    ?? channel.eventLoop.makeSucceededVoidFuture()
            }
        }
    if let source { bootstrap = bootstrap.bind(to: source) }
    return bootstrap
}

@Suite struct SelfConnectNIOLiveTests {
    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason), arguments: [
        ("127.0.0.1", UInt16(31200), SocketIP.v4(0x7f00_0001)),
        ("::1", UInt16(31201), SocketIP.v6(high: 0, low: 1)),
        ("::ffff:127.0.0.1", UInt16(31202), SocketIP.v6(high: 0, low: 0xffff_7f00_0001)),
    ])
    func bootstrapBoundToTheTargetPortFailsWithTheTypedError(host: String, port: UInt16, ip: SocketIP) async throws {
        guard LiveKernel.require() else { return }
        let target = try SocketAddress(ipAddress: host, port: Int(port))
        let probe = ClientProbe()
        let bootstrap = clientBootstrap(probe: probe, bindTo: target)
        await #expect(throws: SelfConnectError.connectedToSelf(ip, port)) {
            _ = try await bootstrap.connect(to: target, selfConnectPolicy: .fail)
        }
        #expect(probe.channels.load(ordering: .relaxed) == 1)
        #expect(probe.activations.load(ordering: .relaxed) == 0, "the guard closes the channel before channelActive")
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func plainConnectThroughTheHandlerFailsItsFutureWithTheTypedError() async throws {
        guard LiveKernel.require() else { return }
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: 31203)
        let probe = ClientProbe()
        let future = clientBootstrap(probe: probe, bindTo: target).connect(to: target)
        await #expect(throws: SelfConnectError.connectedToSelf(.v4(0x7f00_0001), 31203)) {
            _ = try await future.get()
        }
        #expect(probe.activations.load(ordering: .relaxed) == 0)
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func withoutTheHandlerTheBootstrapBackstopStillRefusesAndClosesTheChannel() async throws {
        guard LiveKernel.require() else { return }
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: 31204)
        let probe = ClientProbe()
        let bootstrap = clientBootstrap(probe: probe, guardHandler: false, bindTo: target)
        await #expect(throws: SelfConnectError.connectedToSelf(.v4(0x7f00_0001), 31204)) {
            _ = try await bootstrap.connect(to: target, selfConnectPolicy: .fail)
        }
        // Without the handler the user's pipeline did see the channel become active: the documented trade-off.
        #expect(probe.activations.load(ordering: .relaxed) == 1)
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
    func redialDialsOnFreshChannelsAndGivesUpAfterTheRetries() async throws {
        guard LiveKernel.require() else { return }
        // Bound to the target port, every attempt self-connects: 1 dial + 2 redials, then the typed error.
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: 31205)
        let probe = ClientProbe()
        let bootstrap = clientBootstrap(probe: probe, bindTo: target)
        await #expect(throws: SelfConnectError.connectedToSelf(.v4(0x7f00_0001), 31205)) {
            _ = try await bootstrap.connect(to: target, selfConnectPolicy: .redial(retries: 2))
        }
        #expect(probe.channels.load(ordering: .relaxed) == 3)
        #expect(probe.activations.load(ordering: .relaxed) == 0)
    }

    @Test(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason), arguments: ["127.0.0.1", "::1"])
    func redialPolicyLeavesANormalConnectToANIOServerUnaffected(host: String) async throws {
        guard LiveKernel.require() else { return }
        let accepted = Atomic<Int>(0)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Greeter())
                }
            }
            .bind(to: SocketAddress(ipAddress: host, port: 0)).get()
        let serverAddress = try #require(server.localAddress)

        let probe = ClientProbe()
        let received = ReceivedBytes()
        let channel = try await clientBootstrap(probe: probe)
            .channelInitializer { channel in
                probe.channels.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SelfConnectGuardHandler())
                    try channel.pipeline.syncOperations.addHandler(ActivationProbe(probe))
                    try channel.pipeline.syncOperations.addHandler(received)
                }
            }
            .connect(to: serverAddress, selfConnectPolicy: .redial(retries: 2))
        #expect(channel.isActive)
        #expect(channel.remoteAddress == serverAddress)
        #expect(channel.localAddress?.port != serverAddress.port)
        #expect(try await received.first.futureResult.get() == "hello")
        // NIO completes the connect before firing channelActive; the first read comes after both.
        #expect(probe.activations.load(ordering: .relaxed) == 1)
        #expect(probe.channels.load(ordering: .relaxed) == 1)
        #expect(accepted.load(ordering: .relaxed) == 1)
        try await channel.close()
        try await server.close()
    }
}

/// Server side: says hello to each accepted connection.
final class Greeter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ByteBuffer(string: "hello")), promise: nil)
        context.fireChannelActive()
    }
}

/// Completes `first` with the first bytes the client reads.
final class ReceivedBytes: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let first = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: String.self)
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        first.succeed(String(buffer: unwrapInboundIn(data)))
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        first.fail(error)
    }
    func channelInactive(context: ChannelHandlerContext) {
        first.fail(ChannelError.eof)
    }
}

@Suite struct SocketAddressConversionTests {
    @Test func aV4MappedNIOAddressIsASelfConnectionWithItsIPv4Form() throws {
        let mapped = try #require(try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 50000).selfConnectEndpoint)
        let plain = try #require(try SocketAddress(ipAddress: "127.0.0.1", port: 50000).selfConnectEndpoint)
        #expect(mapped == SocketEndpoint(.v6(high: 0, low: 0xffff_7f00_0001), 50000))
        #expect(plain == SocketEndpoint(.v4(0x7f00_0001), 50000))
        #expect(isSelfConnection(mapped, plain))
    }

    @Test func ipv6AddressesKeepTheirBytesAndPort() throws {
        let endpoint = try #require(try SocketAddress(ipAddress: "2001:db8::1", port: 443).selfConnectEndpoint)
        #expect(endpoint == SocketEndpoint(.v6(high: 0x2001_0db8_0000_0000, low: 1), 443))
    }

    @Test func unixDomainSocketsHaveNoEndpoint() throws {
        #expect(try SocketAddress(unixDomainSocketPath: "/tmp/x.sock").selfConnectEndpoint == nil)
    }
}
