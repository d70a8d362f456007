#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `selfconnect-bench guard`: connect() rate with libselfconnect_guard.so preloaded (policy prevent, the default)
/// divided by the rate without it, in the same run, for the same C loop compiled with cc: to a listening loopback
/// port (connect, accept, reset) and to a closed one (refused). Both ports are kernel-picked, so inside the
/// ephemeral range where the guard acts on every connect. Rates are per second of the loop's own CPU time (user +
/// system, loopback's softirq work included): on a shared machine wall time measures the neighbours. Five
/// alternating rounds; the medians are reported.
enum GuardBench {
    static let rounds = 5
    static let attempts = ["listening": 20_000, "closed": 50_000]

    static let cLoop = """
        #include <arpa/inet.h>
        #include <errno.h>
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <time.h>
        #include <unistd.h>

        int main(int argc, char **argv) {
            int attempts = atoi(argv[1]), listening = strcmp(argv[2], "listening") == 0;
            struct sockaddr_in dst = { .sin_family = AF_INET };
            dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            socklen_t len = sizeof dst;
            int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (bind(listener, (struct sockaddr *)&dst, sizeof dst) || listen(listener, 1024) ||
                getsockname(listener, (struct sockaddr *)&dst, &len)) return 2;
            if (!listening) close(listener);
            struct linger reset = { 1, 0 };
            struct timespec a, b;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
            for (int i = 0; i < attempts; i++) {
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0) return 2;
                int rc = connect(fd, (struct sockaddr *)&dst, sizeof dst);
                if (listening) {
                    if (rc != 0) return 3;
                    int peer = accept(listener, NULL, NULL);
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
                    close(fd);
                    close(peer);
                } else {
                    if (rc == 0 || errno != ECONNREFUSED) return 3;
                    close(fd);
                }
            }
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
            printf("%f\\n", attempts / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
            return 0;
        }
        """

    static func run() {
        do { try measure() } catch {
            BenchSupport.fail(bench: "guard", error)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private static func measure() throws {
        let library = BenchSupport.executableDirectory + "/libselfconnect_guard.so"
        guard access(library, R_OK) == 0 else {
            throw Failure(description: "\(library) not found: build it first (swift build -c release --product selfconnect_guard)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("selfconnect-bench-guard-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("loop.c").path
        let binary = dir.appendingPathComponent("loop").path
        try cLoop.write(toFile: source, atomically: true, encoding: .utf8)
        let (status, _) = try BenchSupport.run("/usr/bin/env", ["cc", "-O2", "-o", binary, source], quiet: false)
        guard status == 0 else { throw Failure(description: "cc failed (\(status))") }

        for mode in ["listening", "closed"] {
            let count = String(attempts[mode]!)
            var plain: [Double] = [], guarded: [Double] = []
            for _ in 0..<rounds {
                plain.append(try rate(binary, [count, mode], preload: nil))
                guarded.append(try rate(binary, [count, mode], preload: library))
            }
            let ratios = zip(guarded, plain).map { String(format: "%.3f", $0 / $1) }.joined(separator: ",")
            BenchSupport.emit(
                bench: "guard-\(mode == "closed" ? "refused" : "listening")", value: BenchSupport.median(guarded),
                unit: "connects/cpu-s", baseline: BenchSupport.median(plain),
                note: "C loop, rate per CPU second, to a \(mode) 127.0.0.1 port in the ephemeral range, LD_PRELOAD guard (prevent) vs none; medians of \(rounds) alternating rounds of \(count); per-round ratios \(ratios)")
        }
    }

    private static func rate(_ binary: String, _ arguments: [String], preload: String?) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = preload
        environment["SELFCONNECT_GUARD_POLICY"] = nil
        environment["SELFCONNECT_GUARD_VERBOSE"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw Failure(description: "the connect loop failed (\(process.terminationStatus))") }
        return value
    }
}
