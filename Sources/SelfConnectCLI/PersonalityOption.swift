import ArgumentParser
import HostNet
import TCPStack

/// `--personality NAME` for the commands that model a kernel: TCPStack's catalog, or "host", which is
/// linux-6 with this machine's sysctls (read here, through HostNet: TCPStack and NetSim do no I/O).
enum PersonalityOption {
    /// This machine's TCP sysctls; a value the parser cannot read is a bad-input error.
    static func hostSnapshot() throws -> SysctlSnapshot {
        do {
            return try SysctlSnapshot(parsing: HostSysctls.read(SysctlSnapshot.paths))
        } catch {
            guard case .malformed(let name, let value) = error else { throw error }
            throw ValidationError("cannot parse this host's \(name): \"\(value)\"")
        }
    }

    /// The personality called `name`; an unknown name is one line listing the known ones (plus `alsoKnown`).
    static func resolve(_ name: String, alsoKnown: [String] = []) throws -> Personality {
        do {
            return try Personality.named(name, host: name == Personality.hostName ? hostSnapshot() : nil)
        } catch let error as UnknownPersonality {
            throw ValidationError(
                "unknown personality '\(name)' (one of: \((error.known + alsoKnown).joined(separator: ", ")))")
        }
    }
}
