import NIOCore
import NIOPosix
import SelfConnectGuard

/// A connect that refuses a self-connect, and can redial after one.
extension ClientBootstrap {
    /// Connects like `connect(to:)` and refuses a self-connect as `policy` says: `.fail` throws
    /// `SelfConnectError.connectedToSelf`; `.redial(retries: n)` dials again on a fresh channel up to `n`
    /// more times, then throws that error if every attempt connected to itself. Other errors end the loop at
    /// once and are thrown as they are. Each refused channel is closed before the next dial.
    ///
    /// With ``SelfConnectGuardHandler`` first in the pipeline, the self-connected channel is closed before it
    /// becomes active. Without it, this method still detects the self-connect and closes the channel, but only after
    /// your handlers have seen `channelActive`.
    ///
    /// ```swift
    /// let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
    ///     channel.eventLoop.makeCompletedFuture {
    ///         try channel.pipeline.syncOperations.addHandler(SelfConnectGuardHandler())
    ///     }
    /// }
    /// let address = try SocketAddress(ipAddress: "::1", port: 50000)
    /// let channel = try await bootstrap.connect(to: address, selfConnectPolicy: .redial(retries: 2))
    /// ```
    public func connect(
        to address: SocketAddress, selfConnectPolicy policy: SelfConnectPolicy
    ) async throws -> Channel {
        var redialsLeft: Int
        switch policy {
        case .fail: redialsLeft = 0
        case .redial(let retries): redialsLeft = max(0, retries)
        }
        while true {
            do {
                let channel = try await connect(to: address).get()
                // Backstop for pipelines without SelfConnectGuardHandler.
                guard let endpoint = channel.selfConnectedEndpoint else { return channel }
                try? await channel.close()
                throw SelfConnectError.connectedToSelf(endpoint.address, endpoint.port)
            } catch let error as SelfConnectError {
                guard case .connectedToSelf = error, redialsLeft > 0 else { throw error }
                redialsLeft -= 1
            }
        }
    }
}
