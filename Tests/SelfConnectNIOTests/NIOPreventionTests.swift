#if canImport(Glibc)
import Glibc
#endif
import HostNet
import LiveKernelGate
import NIOCore
import NIOPosix
import SelfConnectGuard
import SelfConnectNIO
import Testing

@Suite(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
struct NIOPreventionLiveTests {
    struct Counts: Equatable {
        var selfConnects = 0, refused = 0, other = 0, captured = 0
    }

    /// Dials `target` up to `attempts` times through the handler, from an event loop whose thread lives in the
    /// namespace (the socket, and the range the handler reads, are that namespace's), capturing on its loopback.
    func dial(_ target: SocketAddress, attempts: Int, prevent: Bool, in namespace: TestNamespace, untilSelf: Bool = false)
        throws -> Counts
    {
        let ref = try #require(try NetworkNamespaces.all().first { $0.path == namespace.path })
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        try loop.submit { try namespace.enterForGood() }.wait()
        let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(SelfConnectGuardHandler(prevent: prevent))
            }
        }
        return try NetworkNamespaces.inside(ref) { () throws(HostNetError) -> Counts in
            let capture = try PacketCapture(selfConnectPort: UInt16(target.port ?? 0))
            var counts = Counts()
            for _ in 0..<attempts {
                do {
                    let channel = try loop.flatSubmit { bootstrap.connect(to: target) }.wait()
                    try? channel.close().wait()
                    counts.other += 1
                } catch SelfConnectError.connectedToSelf {
                    counts.selfConnects += 1
                    if untilSelf { break }
                } catch let error as IOError where error.errnoCode == ECONNREFUSED {
                    counts.refused += 1
                } catch {
                    counts.other += 1
                }
            }
            counts.captured = capture.drain().count
            return counts
        }
    }

    @Test(arguments: ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
    func theHandlerPreventsTheSelfConnectSoNoSYNLeavesFromTheDestinationPort(host: String) throws {
        guard LiveKernel.require() else { return }
        let namespace = try TestNamespace(prefix: "sc-nio", portRange: 50000...50003)
        let target = try SocketAddress(ipAddress: host, port: 50002)
        let prevented = try dial(target, attempts: 1000, prevent: true, in: namespace)
        #expect(prevented == Counts(selfConnects: 0, refused: 1000, other: 0, captured: 0))
        // Detection alone: the loop does reach itself, and the capture sees it.
        let detected = try dial(target, attempts: 1000, prevent: false, in: namespace, untilSelf: true)
        print("NIO \(host): prevented \(prevented), detection only \(detected)")
        #expect(detected.selfConnects == 1 && detected.captured > 0)
    }
}
