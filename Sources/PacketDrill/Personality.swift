import TCPStack

/// The engine configurations a script may declare with `// personality: NAME` or `--personality NAME`:
/// every personality of TCPStack's catalog, on packetdrill's 1500-byte tun device (MSS 1460).
///
/// On Linux packetdrill opens its tun device with TSO and GSO (`IFF_VNET_HDR`), so Linux hands it segments of up
/// to 64 KiB that the scripts write as one packet (`P. 1:10001(10000)`); the Linux personalities run with
/// `segmentOffloadBytes` as TUNLink does on such a device. FreeBSD's tun has no offloads: one MSS per packet.
public enum ScriptPersonality {
    /// Every name a script may use: the catalog's ("host" is not one: a script models a fixed system).
    public static var names: [String] { Personality.catalog.map(\.name) }
    /// The personality of a script that names none: the current Linux kernel.
    public static var defaultName: String { Personality.linux6.name }

    /// 64 KiB less the IPv4 and largest TCP header, as a TSO device takes it.
    static let tunOffloadBytes = 65535 - 20 - 60

    /// The catalog personality `name`'s TCP behaviour on packetdrill's tun device; an unknown name is an error.
    public static func configuration(named name: String) throws(UnknownPersonality) -> TCPConfiguration {
        var config = try Personality.catalogued(name).tcp
        config.interfaceMTU = 1500
        if name.hasPrefix("linux") { config.segmentOffloadBytes = tunOffloadBytes }
        return config
    }
}
