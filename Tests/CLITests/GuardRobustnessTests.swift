import Foundation
import LiveKernelGate
import Testing

/// The preloaded guard in multithreaded and forking programs, on every address family, and where it must not act.
@Suite(.enabled(if: LiveKernel.runnable, LiveKernel.skipReason))
struct GuardRobustnessTests {
    static let threads = #"""
        cat > "$T/threads.py" <<'PY'
        import os, socket, sys, threading
        port, per_thread = int(sys.argv[1]), int(sys.argv[2])
        def fds(): return len(os.listdir("/proc/self/fd"))
        before = fds()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 50600))
        listener.listen(128)
        def serve():
            while True:
                c, _ = listener.accept()
                data = c.recv(1)
                if data:
                    c.sendall(data)
                c.close()
                if data == b"q":
                    return
        acceptor = threading.Thread(target=serve)
        acceptor.start()
        lock = threading.Lock()
        counts = {"self": 0, "refused": 0, "echoes": 0, "errors": 0}
        def work(index):
            mine = {"self": 0, "refused": 0, "echoes": 0, "errors": 0}
            for i in range(per_thread):
                s = socket.socket()
                if index % 2:
                    s.settimeout(5)  # Python connects non-blocking, polls, then reads SO_ERROR
                try:
                    if i % 10 == 0:
                        s.connect(("127.0.0.1", 50600))
                        s.sendall(b"e")
                        mine["echoes" if s.recv(1) == b"e" else "errors"] += 1
                    else:
                        s.connect(("127.0.0.1", port))
                        mine["self"] += 1
                except ConnectionRefusedError:
                    mine["refused"] += 1
                except OSError as e:
                    print(e, file=sys.stderr)
                    mine["errors"] += 1
                finally:
                    s.close()
            with lock:
                for k in counts:
                    counts[k] += mine[k]
        workers = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for w in workers: w.start()
        for w in workers: w.join()
        q = socket.create_connection(("127.0.0.1", 50600))
        q.sendall(b"q")
        q.recv(1)
        q.close()
        acceptor.join()
        listener.close()
        print(f"threads=8 self={counts['self']} refused={counts['refused']} echoes={counts['echoes']} errors={counts['errors']} fds_before={before} fds_after={fds()}")
        PY
        cat > "$T/forks.py" <<'PY'
        import os, socket, sys, threading
        port, children = int(sys.argv[1]), int(sys.argv[2])
        def fds(): return len(os.listdir("/proc/self/fd"))
        before = fds()
        stop = threading.Event()
        def background():  # connects on other threads while the main thread forks
            while not stop.is_set():
                s = socket.socket()
                try:
                    s.connect(("127.0.0.1", port))
                except OSError:
                    pass
                s.close()
        helpers = [threading.Thread(target=background) for _ in range(3)]
        for h in helpers: h.start()
        ok = 0
        for n in range(children):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.dup2(w, 1)
                if n % 2:  # fork and exec: the guard comes back through LD_PRELOAD
                    os.execvp("python3", ["python3", sys.argv[3], "127.0.0.1", str(port), "100"])
                s = socket.socket()  # fork without exec: the guard's state is the parent's copy
                try:
                    s.connect(("127.0.0.1", port))
                    os.write(1, b"attempts=1 self=1 refused=0\n")
                except ConnectionRefusedError:
                    os.write(1, b"attempts=1 self=0 refused=1\n")
                os._exit(0)
            os.close(w)
            with os.fdopen(r) as out:
                line = out.read().strip().splitlines()[-1]
            _, status = os.waitpid(pid, 0)
            fields = dict(f.split("=") for f in line.split())
            if os.waitstatus_to_exitcode(status) == 0 and fields["self"] == "0" and fields["refused"] == fields["attempts"]:
                ok += 1
            else:
                print(f"child {n}: status {status} {line}", file=sys.stderr)
        stop.set()
        for h in helpers: h.join()
        print(f"children={children} ok={ok} fds_before={before} fds_after={fds()}")
        PY

        """#

    @Test(arguments: ["prevent", "refuse"])
    func eightThreadsConnectingAtOnceNeitherCrashNorDeadlockNorLeak(policy: String) throws {
        guard LiveKernel.require() else { return }
        let r = try NarrowNamespace.run(
            GuardPrograms.setup + Self.threads
                + "timeout 120 \"$SELFCONNECT\" guard --policy \(policy) -- python3 \"$T/threads.py\" $P 500\n",
            range: "50000 50999")
        let counts = NarrowNamespace.fields(r.stdout, key: "threads")
        print("threads (\(policy)): \(counts)")
        #expect(r.status == 0, "\(r.stderr.suffix(2000))")
        #expect(counts["self"] == 0 && counts["errors"] == 0)
        #expect(counts["refused"] == 8 * 450 && counts["echoes"] == 8 * 50, "\(r.stdout)")
        #expect(counts["fds_before"] != nil && counts["fds_before"] == counts["fds_after"])
    }

    @Test(arguments: ["prevent", "refuse"])
    func aProgramThatForksAndExecsWhileOtherThreadsConnectStaysGuardedAndLeaksNothing(policy: String) throws {
        guard LiveKernel.require() else { return }
        let r = try NarrowNamespace.run(
            GuardPrograms.setup + Self.threads
                + "timeout 120 \"$SELFCONNECT\" guard --policy \(policy) -- python3 \"$T/forks.py\" $P 20 \"$T/block.py\"\n")
        let counts = NarrowNamespace.fields(r.stdout, key: "children")
        print("fork+exec (\(policy)): \(counts)")
        #expect(r.status == 0, "\(r.stderr.suffix(2000))")
        #expect(counts["ok"] == 20, "\(r.stdout) \(r.stderr.suffix(2000))")
        #expect(counts["fds_before"] != nil && counts["fds_before"] == counts["fds_after"])
    }

    @Test(arguments: ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
    func everyAddressFamilyIsGuarded(host: String) throws {
        guard LiveKernel.require() else { return }
        let attempts = 2000
        let script = GuardPrograms.setup + """
            python3 "$T/block.py" \(host) $P 500
            "$SELFCONNECT" guard --verbose -- python3 "$T/block.py" \(host) $P \(attempts) 2> "$T/log"
            echo "prevented=$(grep -c 'prevent (source ports 50000-50001)' "$T/log")"
            "$SELFCONNECT" guard --policy refuse -- python3 "$T/block.py" \(host) $P \(attempts)

            """
        let r = try NarrowNamespace.run(script)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        print("\(host): \(lines)")
        #expect(r.status == 0, "\(r.stderr)")
        try #require(lines.count == 4, "\(r.stdout) \(r.stderr)")
        let unguarded = NarrowNamespace.fields(lines[0])
        #expect((unguarded["self"] ?? 0) >= 1, "unguarded never self-connected: \(lines[0])")
        #expect(NarrowNamespace.fields(lines[1]) == ["attempts": attempts, "self": 0, "refused": attempts])
        #expect(lines[2] == "prevented=\(attempts)")
        #expect(NarrowNamespace.fields(lines[3]) == ["attempts": attempts, "self": 0, "refused": attempts])
    }

    @Test func boundSocketsOtherHostsPortsOutsideTheRangeAndUDPAreLeftAlone() throws {
        guard LiveKernel.require() else { return }
        let script = GuardPrograms.setup + #"""
            ip link add sc0 type veth peer name sc1 && ip addr add 198.51.100.1/24 dev sc0 && ip link set sc0 up && ip link set sc1 up
            cat > "$T/alone.py" <<'PY'
            import errno, socket, struct, sys
            P = int(sys.argv[1])
            def option(s): return s.getsockopt(socket.IPPROTO_IP, 51)  # IP_LOCAL_PORT_RANGE
            out = {}
            s = socket.socket()  # bound to the destination's own port on purpose: a legal self-connect
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", P))
            s.connect(("127.0.0.1", P))
            out["bound_self"] = int(s.getsockname() == s.getpeername())
            out["bound_option"] = option(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            s = socket.socket()  # another host (the SYN waits for ARP)
            s.setblocking(False)
            out["remote_in_progress"] = int(s.connect_ex(("198.51.100.2", P)) == errno.EINPROGRESS)
            out["remote_option"] = option(s)
            s.close()
            s = socket.socket()  # this host's own interface address: guarded
            out["interface_refused"] = int(s.connect_ex(("198.51.100.1", P)) == errno.ECONNREFUSED)
            out["interface_option"] = option(s)
            s.close()
            s = socket.socket()  # a port outside the ephemeral range
            out["outside_refused"] = int(s.connect_ex(("127.0.0.1", 40000)) == errno.ECONNREFUSED)
            out["outside_option"] = option(s)
            s.close()
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # not TCP
            u.connect(("127.0.0.1", P))
            out["udp_option"] = option(u)
            u.close()
            print(" ".join(f"{k}={v}" for k, v in out.items()))
            PY
            "$SELFCONNECT" guard --verbose -- python3 "$T/alone.py" $P 2> "$T/log"
            for reason in "bound to port $P by the program" "not an address of this host" "port outside 50000-50003" "not TCP" "prevent (source ports 50000-50001)"; do
                echo "logged $(grep -c "$reason" "$T/log") $reason"
            done

            """#
        let r = try NarrowNamespace.run(script)
        let out = NarrowNamespace.fields(r.stdout, key: "bound_self")
        print("left alone: \(out)")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(out["bound_self"] == 1 && out["bound_option"] == 0)
        #expect(out["remote_in_progress"] == 1 && out["remote_option"] == 0)
        #expect(out["interface_refused"] == 1 && out["interface_option"] == Int(Int32(bitPattern: 50001 << 16 | 50000)))  // Python reads a C int
        #expect(out["outside_refused"] == 1 && out["outside_option"] == 0)
        #expect(out["udp_option"] == 0)
        for reason in ["bound to port 50002 by the program", "not an address of this host", "port outside 50000-50003",
                       "not TCP", "prevent (source ports 50000-50001)"] {
            #expect(r.stdout.contains("logged 1 \(reason)"), "\(r.stdout)")
        }
    }

    @Test func duplicatedDescriptorsAndConnectPollingAreGuardedToo() throws {
        guard LiveKernel.require() else { return }
        let script = GuardPrograms.setup + #"""
            cat > "$T/dups.py" <<'PY'
            import errno, os, select, socket, struct, sys
            P, n = int(sys.argv[1]), int(sys.argv[2])
            def option(s): return s.getsockopt(socket.IPPROTO_IP, 51)
            out = {}
            self_ = refused = 0
            for _ in range(n):  # non-blocking, learning the outcome by calling connect() again
                s = socket.socket()
                s.setblocking(False)
                r = s.connect_ex(("127.0.0.1", P))
                while r in (errno.EINPROGRESS, errno.EALREADY):
                    select.select([], [s], [], 2)
                    r = s.connect_ex(("127.0.0.1", P))
                if r in (0, errno.EISCONN):
                    self_ += 1
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                refused += r == errno.ECONNREFUSED
                s.close()
            out["polled"] = n
            out["polled_self"] = self_
            out["polled_refused"] = refused
            s = socket.socket()
            d = socket.socket(fileno=os.dup(s.fileno()))  # dup(): a descriptor the guard did not see made
            out["dup_refused"] = int(d.connect_ex(("127.0.0.1", P)) == errno.ECONNREFUSED)
            out["dup_option"] = option(d)
            d.close(); s.close()
            s = socket.socket()
            os.dup2(s.fileno(), 200)  # dup2(): the guard copies what it knows
            d = socket.socket(fileno=200)
            out["dup2_refused"] = int(d.connect_ex(("127.0.0.1", P)) == errno.ECONNREFUSED)
            out["dup2_option"] = option(d)
            d.close(); s.close()
            print(" ".join(f"{k}={v}" for k, v in out.items()))
            PY
            python3 "$T/dups.py" $P 300 | sed 's/^/unguarded /'
            "$SELFCONNECT" guard -- python3 "$T/dups.py" $P 2000 | sed 's/^/prevent /'
            "$SELFCONNECT" guard --policy refuse -- python3 "$T/dups.py" $P 2000 | sed 's/^/refuse /'

            """#
        let r = try NarrowNamespace.run(script)
        print("dups and polling: \(r.stdout)")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = Dictionary(uniqueKeysWithValues: r.stdout.split(separator: "\n").map {
            (String($0.prefix { $0 != " " }), NarrowNamespace.fields(String($0), key: "polled"))
        })
        #expect((lines["unguarded"]?["polled_self"] ?? 0) >= 1, "\(r.stdout)")
        let narrowed = Int(Int32(bitPattern: 50001 << 16 | 50000))
        #expect(lines["prevent"] == ["dup_refused": 1, "dup_option": narrowed, "dup2_refused": 1, "dup2_option": narrowed,
                                     "polled": 2000, "polled_self": 0, "polled_refused": 2000])
        // refuse leaves the option alone and refuses what did connect to itself.
        #expect(lines["refuse"] == ["dup_refused": 1, "dup_option": 0, "dup2_refused": 1, "dup2_option": 0,
                                    "polled": 2000, "polled_self": 0, "polled_refused": 2000])
    }

    @Test func withoutIPLocalPortRangePreventFallsBackToRefuseAndSaysSo() throws {
        guard LiveKernel.require() else { return }
        // A kernel older than 6.3, as the guard sees it: a library behind it answers IP_LOCAL_PORT_RANGE with
        // ENOPROTOOPT (the guard's dlsym(RTLD_NEXT) finds it first).
        let script = GuardPrograms.setup + #"""
            cat > "$T/old.c" <<'C'
            #define _GNU_SOURCE
            #include <dlfcn.h>
            #include <errno.h>
            #include <netinet/in.h>
            #include <sys/socket.h>
            int setsockopt(int fd, int level, int name, const void *value, socklen_t length) {
                if (level == IPPROTO_IP && name == 51) { errno = ENOPROTOOPT; return -1; }
                int (*next)(int, int, int, const void *, socklen_t) = dlsym(RTLD_NEXT, "setsockopt");
                return next(fd, level, name, value, length);
            }
            C
            $(command -v cc || command -v clang) -shared -fPIC -o "$T/old.so" "$T/old.c" -ldl || exit 3
            LD_PRELOAD="$(dirname "$SELFCONNECT")/libselfconnect_guard.so:$T/old.so" SELFCONNECT_GUARD_VERBOSE=1 \
                python3 "$T/block.py" 127.0.0.1 $P 2000 2> "$T/log"
            echo "said=$(grep -c 'no IP_LOCAL_PORT_RANGE (Linux < 6.3): prevent falls back to refuse' "$T/log") fallbacks=$(grep -c 'refuse (fallback' "$T/log") refusals=$(grep -c 'refuse (connected to itself' "$T/log")"

            """#
        let r = try NarrowNamespace.run(script)
        let counts = NarrowNamespace.fields(r.stdout)
        let log = NarrowNamespace.fields(r.stdout, key: "said")
        print("old kernel: \(counts) \(log)")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(counts == ["attempts": 2000, "self": 0, "refused": 2000])
        #expect(log["said"] == 1 && log["fallbacks"] == 2000 && (log["refusals"] ?? 0) >= 1, "\(r.stdout)")
    }

    @Test func redialDialsAgainOnTheSameDescriptorAtMostRetriesTimesThenRefuses() throws {
        guard LiveKernel.require() else { return }
        let script = GuardPrograms.setup + #"""
            for retries in 2 0; do
                "$SELFCONNECT" guard --policy redial --retries $retries --verbose -- python3 "$T/block.py" 127.0.0.1 $P 2000 2> "$T/log"
                echo "retries=$retries redials=$(grep -c 'redial [0-9]* of' "$T/log") beyond=$(grep -c "redial $((retries + 1)) of" "$T/log") refusals=$(grep -c 'refuse (connected to itself' "$T/log")"
            done

            """#
        let r = try NarrowNamespace.run(script)
        print("redial: \(r.stdout)")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { NarrowNamespace.fields(String($0), key: "attempts").isEmpty
            ? NarrowNamespace.fields(String($0), key: "retries") : NarrowNamespace.fields(String($0)) }
        try #require(lines.count == 4, "\(r.stdout)")
        #expect(lines[0] == ["attempts": 2000, "self": 0, "refused": 2000])
        #expect((lines[1]["redials"] ?? 0) >= 1 && lines[1]["beyond"] == 0, "\(r.stdout)")
        #expect(lines[2] == ["attempts": 2000, "self": 0, "refused": 2000])
        #expect(lines[3]["redials"] == 0 && (lines[3]["refusals"] ?? 0) >= 1, "\(r.stdout)")
    }
}
