import NIOCore
import SelfConnectGuard

/// Refuses a TCP self-connect on a SwiftNIO client channel: when the connect completes with the local address equal
/// to the remote one (IPv4, IPv6, or a v4-mapped IPv6 address against its IPv4 form), the handler closes the channel
/// and fails the connect promise with `SelfConnectError.connectedToSelf`.
///
/// The check runs inside the connect promise, before NIO fires `channelActive`, so no handler of yours ever sees a
/// self-connected channel as active or sends a byte on it. Put it first in the pipeline, and connect with
/// ``NIOPosix/ClientBootstrap/connect(to:selfConnectPolicy:)`` when you want redials:
///
/// ```swift
/// import NIOCore
/// import NIOPosix
/// import SelfConnectGuard
/// import SelfConnectNIO
///
/// let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
/// let bootstrap = ClientBootstrap(group: group)
///     .channelInitializer { channel in
///         channel.eventLoop.makeCompletedFuture {
///             try channel.pipeline.syncOperations.addHandler(SelfConnectGuardHandler())
///             // ... then your own handlers
///         }
///     }
/// let server = try SocketAddress(ipAddress: "127.0.0.1", port: 50000)
/// do {
///     let channel = try await bootstrap.connect(to: server, selfConnectPolicy: .redial(retries: 2))
///     // ... use `channel`
///     try await channel.close()
/// } catch SelfConnectError.connectedToSelf(let address, let port) {
///     print("refused a self-connect to \(address):\(port)")
/// }
/// try await group.shutdownGracefully()
/// ```
///
/// Unlike `guardedConnect`, the handler refuses every self-connect, even one you set up on purpose by binding the
/// destination's own port with `ClientBootstrap.bind(to:)`: leave the handler out of such a pipeline.
///
/// With `ClientBootstrap.connect(host:port:)`, NIO's Happy Eyeballs connector treats the refusal like any failed
/// attempt: it tries the host's other addresses and, if all fail, reports a `NIOConnectionError` whose
/// `connectionErrors` hold the `SelfConnectError`. Resolve first and use `connect(to:selfConnectPolicy:)` to get the
/// typed error and redials.
public final class SelfConnectGuardHandler: ChannelOutboundHandler, RemovableChannelHandler {
    /// The handler passes outbound data through untouched; it only intercepts `connect`.
    public typealias OutboundIn = Any

    /// A stateless handler; use one per channel.
    public init() {}

    /// Forwards the connect and, once it succeeds, closes the channel and fails `promise` with `SelfConnectError.connectedToSelf` if the local and remote endpoints are equal; otherwise completes `promise` as the connect did.
    public func connect(context: ChannelHandlerContext, to address: SocketAddress, promise: EventLoopPromise<Void>?) {
        let connected = context.eventLoop.makePromise(of: Void.self)
        context.connect(to: address, promise: connected)
        connected.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                promise?.fail(error)
            case .success:
                guard let endpoint = context.channel.selfConnectedEndpoint else {
                    promise?.succeed(())
                    return
                }
                // Closing here, inside the connect promise, stops NIO from activating the channel.
                context.close(promise: nil)
                promise?.fail(SelfConnectError.connectedToSelf(endpoint.address, endpoint.port))
            }
        }
    }
}
