import TCPStack

/// The engine configurations a script may declare with `// personality: NAME` or `--personality NAME`:
/// every personality of TCPStack's catalog, on packetdrill's 1500-byte tun device (MSS 1460).
public enum ScriptPersonality {
    public static var names: [String] { Personality.catalog.map(\.name) }

    public static func configuration(named name: String) -> TCPConfiguration? {
        guard var config = Personality.catalog.first(where: { $0.name == name })?.tcp else { return nil }
        config.interfaceMTU = 1500
        return config
    }
}
