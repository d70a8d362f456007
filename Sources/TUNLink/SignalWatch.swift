import CTUNShims
import Glibc

/// Turns SIGINT, SIGTERM and SIGHUP into a flag a run loop polls, so an interrupted command still removes its
/// namespace and device. Install one at a time; `remove()` restores the default actions.
public struct SignalWatch: Sendable {
    private let readEnd: Int32

    public init() throws(TUNLinkError) {
        let fd = sc_signal_pipe_install()
        guard fd >= 0 else { throw .system(call: "pipe2", errno: -fd) }
        readEnd = fd
    }

    /// Whether a signal arrived since the last call.
    public func caught() -> Bool { caughtSignal() != nil }

    /// The last signal that arrived since the last call, if any (the handler writes each one's number).
    public func caughtSignal() -> Int32? {
        var byte: UInt8 = 0
        var last: Int32?
        while read(readEnd, &byte, 1) == 1 { last = Int32(byte) }
        return last
    }

    public func remove() { sc_signal_pipe_remove() }
}
