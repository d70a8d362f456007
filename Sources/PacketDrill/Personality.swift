import TCPStack

/// The engine configurations a script may declare with `// personality: NAME` or `--personality NAME`.
public enum Personality {
    public static let names = ["rfc9293", "linux-3.10", "linux-6"]

    /// The configuration for `name`, with the 1500-byte MTU of packetdrill's tun device (MSS 1460).
    public static func configuration(named name: String) -> TCPConfiguration? {
        var config: TCPConfiguration
        switch name {
        case "rfc9293": config = .rfc9293
        case "linux-3.10", "linux310": config = .linux310
        case "linux-6", "linux6": config = .linux6
        default: return nil
        }
        config.interfaceMTU = 1500
        return config
    }
}
