import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// What the preloaded guard does with a connect() that could self-connect.
enum GuardPolicyOption: String, ExpressibleByArgument, CaseIterable {
    case prevent, refuse, redial
}

struct GuardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guard",
        abstract: "Run a program with the self-connect guard preloaded (libselfconnect_guard.so in LD_PRELOAD).",
        discussion: """
            The guard acts on an unbound TCP socket that connects to an address of this host on a port in the \
            ephemeral range. prevent (default): before the SYN, IP_LOCAL_PORT_RANGE (Linux >= 6.3) narrows the \
            socket's source ports to the larger side of the range that excludes the port, so the kernel never \
            picks it; older kernels fall back to refuse. refuse: a connect that ended connected to itself is torn \
            down (reset, no byte exchanged) and reported as ECONNREFUSED, by connect() when blocking, else by \
            getsockopt(SO_ERROR) or the first read or write. redial: dial again on the same socket, at most \
            --retries times, then refuse. Sockets the program bound, other hosts and ports outside the range are \
            left alone. The program replaces this process, so its exit status (or the signal that killed it) \
            passes through; children it runs are guarded too.
            """
    )

    @Option(help: "prevent, refuse or redial.")
    var policy: GuardPolicyOption = .prevent

    @Option(help: "redial: dials before refusing (0-100).")
    var retries: Int = 2

    @Flag(help: "Log every decision on stderr (socket, destination, action).")
    var verbose = false

    @Argument(parsing: .postTerminator, help: "-- CMD ARGS...: the program to run.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("missing the program to run: selfconnect guard [OPTIONS] -- CMD ARGS...") }
        guard (0...100).contains(retries) else { throw ValidationError("invalid --retries \(retries): expected 0-100") }
    }

    func run() throws {
        guard let library = Self.libraryPath() else {
            throw ValidationError("\(Self.libraryName) not found beside \(Self.executablePath() ?? "selfconnect") (build it with swift build)")
        }
        let existing = getenv("LD_PRELOAD").map { String(cString: $0) } ?? ""
        let preload = existing.split(whereSeparator: { $0 == " " || $0 == ":" }).contains { $0 == library }
            ? existing : (existing.isEmpty ? library : existing + ":" + library)
        setenv("LD_PRELOAD", preload, 1)
        setenv("SELFCONNECT_GUARD_POLICY", policy.rawValue, 1)
        setenv("SELFCONNECT_GUARD_RETRIES", String(retries), 1)
        setenv("SELFCONNECT_GUARD_VERBOSE", verbose ? "1" : "0", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        // exec keeps the calling thread's signal mask, and the async runtime's threads block nearly every signal:
        // unblock them all, or the program would never see SIGTERM, SIGINT or SIGPIPE.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        execvp(command[0], &argv)
        // Only reached when the exec failed: exit as a shell would (127 not found, 126 not executable).
        let code = errno
        printError("selfconnect: cannot run \(command[0]): \(String(cString: strerror(code)))")
        throw ExitCode(code == ENOENT ? 127 : 126)
    }

    static let libraryName = "libselfconnect_guard.so"

    /// The guard library beside the running executable (SwiftPM's build folder), or in ../lib for an install.
    static func libraryPath() -> String? {
        guard let executable = executablePath() else { return nil }
        let directory = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
        return [directory + "/" + libraryName, directory + "/../lib/" + libraryName].first { access($0, R_OK) == 0 }
    }

    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
