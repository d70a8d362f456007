import CTUNShims
import Glibc

/// A layer-3 TUN device (IFF_TUN | IFF_NO_PI): each read returns one IP packet the kernel routed to it, each
/// write injects one IP packet into the kernel. The descriptor is non-blocking and closed on deinit.
///
/// With `offloads`, each packet both ways is a frame that starts with a `VirtioNetHeader` (IFF_VNET_HDR), and
/// checksum and TCP segmentation offloads are on: the kernel hands over TCP segments of up to 64 KiB and
/// takes such segments to cut at the MSS the header names, as a NIC with TSO/GRO would.
public final class TUNDevice: @unchecked Sendable {
    public let name: String
    public let fileDescriptor: Int32
    public let offloads: Bool
    private var closed = false

    /// Opens a new device; `name` empty lets the kernel choose tunN.
    public init(name: String = "", offloads: Bool = false) throws(TUNLinkError) {
        var actual = [CChar](repeating: 0, count: 32)
        let fd = sc_tun_open(name, &actual, Int32(actual.count), offloads ? 1 : 0)
        guard fd >= 0 else {
            if -fd == EPERM || -fd == EACCES || -fd == ENOENT || -fd == ENODEV {
                throw .notPermitted("/dev/net/tun: errno \(-fd) (needs CAP_NET_ADMIN and the tun module)")
            }
            throw .system(call: "TUNSETIFF", errno: -fd)
        }
        fileDescriptor = fd
        self.offloads = offloads
        self.name = String(decoding: actual.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fileDescriptor)
    }

    /// Bytes before the IP packet in each frame read or written: the virtio header with offloads, else none.
    public var frameHeaderLength: Int { offloads ? VirtioNetHeader.size : 0 }

    /// Reads one frame into `buffer`; nil when none is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int?, TUNLinkError> {
        let n = Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
        if n >= 0 { return .success(n) }
        if errno == EAGAIN || errno == EINTR { return .success(nil) }
        return .failure(.system(call: "read tun", errno: errno))
    }

    /// Writes one frame. A full queue (EAGAIN) or an unroutable packet drops it, as a link would.
    public func write(_ bytes: UnsafeRawBufferPointer) -> Result<Void, TUNLinkError> {
        let n = Glibc.write(fileDescriptor, bytes.baseAddress, bytes.count)
        if n < 0 && errno != EAGAIN && errno != EINTR && errno != EINVAL {
            return .failure(.system(call: "write tun", errno: errno))
        }
        return .success(())
    }

    /// Waits until a packet is readable or `milliseconds` pass (poll(2)).
    public func waitReadable(milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }
}
