#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Synchronization

/// The server's open connections, oldest first by accept order, shared by every event loop.
final class ConnectionTable: Sendable {
    private struct State {
        var next: UInt64 = 0
        /// No open id is below this: ids only grow, so the oldest is found by stepping over closed ones, each once.
        var oldest: UInt64 = 0
        var open: [UInt64: Channel] = [:]
        var peak = 0
    }
    private let state: Mutex<State>
    let limit: Int

    init(limit: Int) {
        self.limit = limit
        // Sized for the limit once, up front: grown under a flood, the table would be reallocated in the middle
        // of the heap and pin the burst's pages after it ends.
        var initial = State()
        initial.open.reserveCapacity(min(limit, 1 << 16) + 1)
        state = Mutex(initial)
    }

    var count: Int { state.withLock { $0.open.count } }

    /// Adds `channel`; at the limit, returns the oldest connection, which the caller closes.
    func admit(_ channel: Channel) -> (id: UInt64, evicted: Channel?) {
        state.withLock { s in
            var evicted: Channel?
            if s.open.count >= limit, s.open.count > 0 {
                // Amortised O(1): a scan of the whole table per connection would slow the accepts of a flood.
                while s.open[s.oldest] == nil { s.oldest += 1 }
                evicted = s.open.removeValue(forKey: s.oldest)
            }
            let id = s.next
            s.next += 1
            s.open[id] = channel
            s.peak = max(s.peak, s.open.count)
            return (id, evicted)
        }
    }

    /// Removes `id`; true when the load has just dropped: after a burst of at least 64 open connections, they fell
    /// to a quarter of the peak since the last drop (a flood or a slowloris ending, even if a few stay open).
    func remove(_ id: UInt64) -> Bool {
        state.withLock { s in
            s.open.removeValue(forKey: id)
            guard s.peak >= 64, s.open.count <= s.peak / 4 else { return false }
            s.peak = s.open.count
            return true
        }
    }
}

/// Gives the heap's free pages back to the system: glibc's malloc_trim(0), looked up at run time (Swift's Glibc
/// module does not import <malloc.h>). Called once a burst of connections is over: glibc otherwise keeps the
/// burst's high-water mark resident for the process's life (free chunks below an arena's top are never returned,
/// and every mmapped buffer freed raises the threshold for trimming the top).
func trimHeap() {
    #if canImport(Glibc)
    guard let symbol = dlsym(nil, "malloc_trim") else { return }
    typealias Trim = @convention(c) (Int) -> Int32
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
    #endif
}

/// First in each connection's pipeline, on raw bytes: enforces the header timeout, the idle timeout and the
/// header size limit before the HTTP decoder buffers anything for the request. One timer per connection: a byte
/// read only notes the time, and the timer, when it fires, closes or re-arms for the nearer deadline; re-arming on
/// every byte would churn the event loop's timer queue under a slowloris.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limits: HTTPLimits
    private var headerBytes = 0
    private var timer: Scheduled<Void>?
    private var headerDeadline = NIODeadline.distantFuture
    private var lastRead = NIODeadline.now()
    /// Set by the request handler once the request head is parsed: later bytes (a body) are its business, and the
    /// idle timeout no longer applies.
    var headComplete = false
    /// Adds the HTTP handlers behind this one, at the first byte: a connection that never sends one (a flood's, or
    /// a slowloris's before its first byte) costs one handler to set up and to close instead of six, which keeps
    /// the accepts of a flood, and the scrape queued behind them, fast.
    private var installHTTP: ((ChannelPipeline.SynchronousOperations, ConnectionGuard) throws -> Void)?

    init(
        limits: HTTPLimits,
        installHTTP: ((ChannelPipeline.SynchronousOperations, ConnectionGuard) throws -> Void)? = nil
    ) {
        self.limits = limits
        self.installHTTP = installHTTP
    }

    private var idleDeadline: NIODeadline {
        headComplete ? .distantFuture : lastRead + .nanoseconds(limits.idleTimeout.nanoseconds)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lastRead = .now()
        // The header deadline also bounds the response: a client that never reads cannot hold the connection.
        headerDeadline = lastRead + .nanoseconds(limits.headerTimeout.nanoseconds)
        arm(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let install = installHTTP {
            installHTTP = nil
            do { try install(context.pipeline.syncOperations, self) } catch {
                context.close(promise: nil)
                return
            }
        }
        let count = unwrapInboundIn(data).readableBytes
        lastRead = .now()
        context.fireChannelRead(data)
        guard !headComplete, context.channel.isActive else { return }
        headerBytes += count
        if headerBytes > limits.maxHeaderBytes {
            headComplete = true  // one answer only
            let text = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func arm(context: ChannelHandlerContext) {
        let at = min(headerDeadline, idleDeadline)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in
            timer = nil
            if NIODeadline.now() >= min(headerDeadline, idleDeadline) {
                context.close(promise: nil)
            } else {
                arm(context: context)
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at Int64's range.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
