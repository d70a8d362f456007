import TCPWire

/// A TUN device in a network namespace of its own: the kernel holds `kernelAddress` on the device, and whatever
/// drives the descriptor plays the host at `stackAddress`. Removing the link closes the device and deletes the
/// namespace; a link dropped without `remove()` cleans up the same way.
public final class TUNLink: @unchecked Sendable {
    public let namespace: NetworkNamespace
    public let device: TUNDevice
    public let stackAddress: IPv4Address
    public let kernelAddress: IPv4Address
    public let mtu: Int

    /// Creates namespace `namespaceName`, a TUN device inside it with `kernelAddress` = `address.peer`, the MTU,
    /// and a route to `address` through the device. `offloads`: see `TUNDevice`; `deviceName` empty lets the
    /// kernel choose tunN.
    public init(namespaceName: String, address: InterfaceAddress, mtu: Int = 1500, offloads: Bool = false,
                deviceName: String = "") throws(TUNLinkError)
    {
        guard (576...65535).contains(mtu) else { throw .invalidArgument("MTU \(mtu) outside 576...65535") }
        let namespace = try NetworkNamespace(name: namespaceName)
        let device = try namespace.withEntered { () throws(TUNLinkError) in try TUNDevice(name: deviceName, offloads: offloads) }
        let peer = address.peer
        do {
            // IPv6 off on the device: no router solicitations or DAD on a link that only carries our TCP.
            _ = try? ExternalCommand.run(
                ["ip", "netns", "exec", namespaceName, "sysctl", "-qw", "net.ipv6.conf.\(device.name).disable_ipv6=1"])
            try namespace.ip(["addr", "add", "\(peer)/\(address.prefixLength)", "dev", device.name])
            try namespace.ip(["link", "set", device.name, "mtu", String(mtu), "up"])
        } catch {
            device.close()
            namespace.remove()
            throw error
        }
        self.namespace = namespace
        self.device = device
        self.stackAddress = address.address
        self.kernelAddress = peer
        self.mtu = mtu
    }

    /// Closes the device, then deletes the namespace (the device goes with it).
    public func remove() {
        device.close()
        namespace.remove()
    }

    deinit { remove() }
}
