import TCPStack
import SelfConnectGuard

/// Why `repro` will not start: in each case a natural self-connect cannot (or almost cannot) happen.
public enum ReproRefusal: Equatable, Sendable, CustomStringConvertible {
    /// Something listens on the port: connect() never picks a port that a bound socket holds.
    case listenedOn(port: UInt16, owners: [SocketOwner])
    /// connect() only picks source ports inside the ephemeral range.
    case outsideEphemeralRange(port: UInt16, range: ClosedRange<UInt16>)
    /// connect() skips `ip_local_reserved_ports`.
    case reserved(port: UInt16)
    /// Since Linux 4.6 connect() tries the other parity first; this one comes only after those run out.
    case otherParity(port: UInt16)

    public var description: String {
        switch self {
        case .listenedOn(let port, let owners):
            let who = owners.isEmpty ? "a socket whose owner is unknown" : owners.map(\.description).joined(separator: ", ")
            return "port \(port) is listened on by \(who); a self-connect cannot happen while it is bound"
        case .outsideEphemeralRange(let port, let range):
            return "port \(port) is outside ip_local_port_range \(range.lowerBound)-\(range.upperBound), so connect() never picks it; use --bind to force a self-connect"
        case .reserved(let port):
            return "port \(port) is in ip_local_reserved_ports, so connect() never picks it; use --bind to force a self-connect"
        case .otherParity(let port):
            return "port \(port) is odd: since Linux 4.6 connect() picks even ports first, so it comes only after they run out; pass --max-attempts explicitly to try anyway"
        }
    }
}

extension Repro {
    /// Decides whether a run can self-connect, from the settings and socket table given (pure).
    /// `acceptOtherParity` is true when the user asked for a bound run explicitly (`--max-attempts`).
    public static func refusal(
        for options: ReproOptions, settings: KernelSettings, sockets: [TCPSocketRow], acceptOtherParity: Bool
    ) -> ReproRefusal? {
        let port = options.destination.port
        let listeners = sockets.filter { $0.state == .listen && $0.local.port == port }
        if !listeners.isEmpty {
            return .listenedOn(port: port, owners: [])
        }
        if options.bindFirst { return nil }
        let range = effectiveRange(options.localPortRange, system: settings.localPortRange)
        guard range.contains(port) else { return .outsideEphemeralRange(port: port, range: range) }
        if settings.reservedPorts.contains(port) { return .reserved(port: port) }
        // Linux 6.8 drops the parity preference for sockets that set IP_LOCAL_PORT_RANGE.
        let parityApplies = settings.prefersEvenPorts && !(options.localPortRange != nil && settings.release >= (6, 8))
        if parityApplies, port % 2 != range.lowerBound % 2, !acceptOtherParity { return .otherParity(port: port) }
        return nil
    }

    /// The range connect() draws from: each bound of a per-socket range replaces the system's only when it lies
    /// inside the system range (Linux's inet_sk_get_local_port_range).
    static func effectiveRange(_ socket: ClosedRange<UInt16>?, system: ClosedRange<UInt16>) -> ClosedRange<UInt16> {
        guard let socket else { return system }
        let low = system.contains(socket.lowerBound) ? socket.lowerBound : system.lowerBound
        let high = system.contains(socket.upperBound) ? socket.upperBound : system.upperBound
        return low <= high ? low...high : system
    }

    /// ``refusal(for:settings:sockets:acceptOtherParity:)`` against the live host, naming who listens.
    public static func refusal(for options: ReproOptions, acceptOtherParity: Bool) throws(HostNetError) -> ReproRefusal? {
        let settings = try KernelSettings.current()
        let listenMask: UInt32 = 1 << UInt32(TCPSocketState.listen.rawValue)
        let sockets: [TCPSocketRow]
        do { sockets = try SockDiag.dump(stateMask: listenMask) } catch { sockets = try ProcNetTCP.dump() }
        guard let refusal = refusal(for: options, settings: settings, sockets: sockets, acceptOtherParity: acceptOtherParity)
        else { return nil }
        guard case .listenedOn(let port, _) = refusal else { return refusal }
        let inodes = Set(sockets.filter { $0.state == .listen && $0.local.port == port }.map(\.inode))
        let owners = SocketOwners.find(inodes).values.flatMap { $0 }
        return .listenedOn(port: port, owners: Array(Set(owners)).sorted { $0.pid < $1.pid })
    }
}
