#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import SelfConnectGuard

/// A minimal HTTP/1.1 server on SwiftNIO that answers `GET /metrics` with the registry in Prometheus text format,
/// within `HTTPLimits`: one request per connection, answered as soon as its head is parsed.
public struct MetricsHTTPServer: Sendable {
    private let channel: Channel
    private let connections: ConnectionTable
    /// Where the server listens; the kernel's port when the requested port was 0.
    public let endpoint: SocketEndpoint

    /// Connections open now.
    public var openConnections: Int { connections.count }

    /// Binds and listens on `endpoint` (port 0: any free port).
    public static func start(
        at endpoint: SocketEndpoint, registry: PrometheusCollectorRegistry, limits: HTTPLimits = HTTPLimits(),
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(WatchError) -> MetricsHTTPServer {
        let connections = ConnectionTable(limit: limits.maxConnections)
        let bootstrap = ServerBootstrap(group: group)
            // Room for a flood of connects: a scraper's SYN must not wait behind them for a retransmission.
            .serverChannelOption(.backlog, value: 4096)
            .childChannelInitializer { channel in
                let (id, evicted) = connections.admit(channel)
                evicted?.close(promise: nil)
                let loop = channel.eventLoop
                channel.closeFuture.whenComplete { _ in
                    // Trimmed a second later, not now: the burst's channels, pipelines and buffers are freed after
                    // this callback, on both event loops, and a trim before their frees returns almost nothing.
                    if connections.remove(id) { _ = loop.scheduleTask(in: .seconds(1)) { trimHeap() } }
                }
                return channel.eventLoop.makeCompletedFuture {
                    // The HTTP handlers join at the connection's first byte (see ConnectionGuard).
                    let guardHandler = ConnectionGuard(limits: limits) { pipeline, owner in
                        try pipeline.configureHTTPServerPipeline()
                        try pipeline.addHandler(
                            MetricsRequestHandler(registry: registry, limits: limits, guard: owner))
                    }
                    try channel.pipeline.syncOperations.addHandler(guardHandler)
                }
            }
        do {
            // Not SO_REUSEADDR: a second exporter on the same port must fail, not share it.
            let address = try SocketAddress(ipAddress: endpoint.address.description, port: Int(endpoint.port))
            let channel = try await bootstrap.bind(to: address).get()
            let port = UInt16(channel.localAddress?.port ?? Int(endpoint.port))
            return MetricsHTTPServer(channel: channel, connections: connections,
                                     endpoint: SocketEndpoint(endpoint.address, port))
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

/// Answers the first request on a connection as soon as its head is parsed, then closes it (Prometheus opens a
/// fresh one per scrape anyway). A request with a body is refused at its head (413), before any body is read.
final class MetricsRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private let limits: HTTPLimits
    private let connectionGuard: ConnectionGuard
    private var answered = false

    init(registry: PrometheusCollectorRegistry, limits: HTTPLimits, guard connectionGuard: ConnectionGuard) {
        self.registry = registry
        self.limits = limits
        self.connectionGuard = connectionGuard
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), !answered else { return }
        answered = true
        connectionGuard.headComplete = true
        respond(to: head, context: context)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first ?? ""
        let hasBody = head.headers.contains(name: "Transfer-Encoding")
            || head.headers["Content-Length"].contains { $0 != "0" }
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        if head.uri.utf8.count > limits.maxPathBytes {
            (status, contentType, body) = (.uriTooLong, "text/plain; charset=utf-8", Array("path too long\n".utf8))
        } else if hasBody {
            (status, contentType, body) = (.payloadTooLarge, "text/plain; charset=utf-8", Array("no request body accepted\n".utf8))
        } else if path != "/metrics" {
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
