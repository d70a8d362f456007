#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import SelfConnectGuard

/// A minimal HTTP/1.1 server on SwiftNIO that answers `GET /metrics` with the registry in Prometheus text format.
public struct MetricsHTTPServer: Sendable {
    private let channel: Channel
    /// Where the server listens; the kernel's port when the requested port was 0.
    public let endpoint: SocketEndpoint

    /// Binds and listens on `endpoint` (port 0: any free port).
    public static func start(
        at endpoint: SocketEndpoint, registry: PrometheusCollectorRegistry,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(WatchError) -> MetricsHTTPServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(registry: registry))
                }
            }
        do {
            // Not SO_REUSEADDR: a second exporter on the same port must fail, not share it.
            let address = try SocketAddress(ipAddress: endpoint.address.description, port: Int(endpoint.port))
            let channel = try await bootstrap.bind(to: address).get()
            let port = UInt16(channel.localAddress?.port ?? Int(endpoint.port))
            return MetricsHTTPServer(channel: channel, endpoint: SocketEndpoint(endpoint.address, port))
        } catch let error as IOError {
            throw .cannotListen(endpoint, errno: error.errnoCode)
        } catch {
            throw .cannotListen(endpoint, reason: "\(error)")
        }
    }

    /// Stops listening. Scrapes in flight finish on their own connections.
    public func close() async {
        try? await channel.close()
    }
}

/// Answers each request on one connection, then closes it (Prometheus opens a fresh one per scrape anyway).
final class MetricsRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var request: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        if path != "/metrics" {
            (status, contentType, body) = (.notFound, "text/plain; charset=utf-8", Array("try /metrics\n".utf8))
        } else if head.method != .GET && head.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain; charset=utf-8", Array("GET only\n".utf8))
        } else {
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
