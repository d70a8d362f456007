#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostNet
import SelfConnectGuard

/// `selfconnect-bench repro`: attempts/s of our natural loop (Repro.run) against the same loop in C, compiled with
/// cc in the same run. Both do socket, connect (refused), getsockname, close, to 127.0.0.1:50001: odd, so the kernel
/// (Linux >= 4.6) does not hand it out while even ports are free and neither loop stops early.
enum ReproBench {
    static let attempts = 100_000
    static let port: UInt16 = 50001

    static let cLoop = """
        #include <arpa/inet.h>
        #include <errno.h>
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/socket.h>
        #include <time.h>
        #include <unistd.h>

        int main(int argc, char **argv) {
            int attempts = atoi(argv[1]);
            struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
            dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            for (int i = 1; i <= attempts; i++) {
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0) return 2;
                if (connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0) { close(fd); return 1; }
                if (errno != ECONNREFUSED && errno != EADDRNOTAVAIL) return 2;
                struct sockaddr_in local; socklen_t len = sizeof local;
                getsockname(fd, (struct sockaddr *)&local, &len);
                if ((i & 63) == 0) clock_gettime(CLOCK_MONOTONIC, &b);
                close(fd);
            }
            clock_gettime(CLOCK_MONOTONIC, &b);
            printf("%f\\n", attempts / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
            return 0;
        }
        """

    static func run() {
        do { try measure() } catch {
            BenchSupport.fail(bench: "repro", error)
        }
    }

    private static func measure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("selfconnect-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("loop.c").path
        let binary = dir.appendingPathComponent("loop").path
        try cLoop.write(toFile: source, atomically: true, encoding: .utf8)
        let (status, _) = try BenchSupport.run("/usr/bin/env", ["cc", "-O2", "-o", binary, source], quiet: false)
        guard status == 0 else { throw HostNetError.unsupported("cc failed to build the C loop") }

        var options = ReproOptions(destination: SocketEndpoint(.v4(0x7f00_0001), port))
        options.maxAttempts = attempts
        options.timeLimit = 60
        var ours: [Double] = [], theirs: [Double] = []
        // Interleaved rounds so both loops see the same machine load.
        for _ in 0..<5 {
            let result = try Repro.run(options)
            guard !result.selfConnected, result.attempts == attempts else {
                throw HostNetError.unsupported("the loop stopped early: \(result.json(options: options))")
            }
            ours.append(result.attemptsPerSecond)
            let text = try BenchSupport.output(binary, [String(attempts), String(port)])
            guard let rate = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw HostNetError.unsupported("the C loop failed")
            }
            theirs.append(rate)
        }
        BenchSupport.emit(bench: "repro", value: BenchSupport.median(ours), unit: "attempts/s",
                          baseline: BenchSupport.median(theirs),
                          note: "median of 5 interleaved rounds of \(attempts) refused connects to 127.0.0.1:\(port); baseline: the same loop in C (cc -O2)")
    }
}
