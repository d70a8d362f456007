/// The programs of issue 16's acceptance, each as a retry loop against 127.0.0.1:$P that prints one line
/// `attempts=N self=S refused=R` (self: connects that ended connected to themselves; refused: ECONNREFUSED), and as a
/// client that reaches a real HTTP server on $P and prints `reached=1`. Scripts are written to `$T` by `setup`.
enum GuardPrograms {
    static let names = ["curl", "python", "asyncio", "nc", "bash"]

    /// nc costs one process per attempt; the others loop inside one process.
    static func perProcess(_ program: String) -> Bool { program == "nc" }

    static let setup = #"""
        T=$(mktemp -d)
        SERVER=
        # The server must not outlive the script: it would keep the namespace, and the pipes Foundation waits on.
        trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait; rm -rf "$T"' EXIT
        cat > "$T/block.py" <<'PY'
        import socket, struct, sys
        host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self_ = refused = 0
        for _ in range(n):
            s = socket.socket(family, socket.SOCK_STREAM)
            try:
                s.connect((host, port))
                if s.getsockname()[1] == s.getpeername()[1]:
                    self_ += 1
                # Reset on close: no TIME-WAIT, so the loop can reach itself again.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except ConnectionRefusedError:
                refused += 1
            except OSError as e:
                print(e, file=sys.stderr)
            finally:
                s.close()
        print(f"attempts={n} self={self_} refused={refused}")
        PY
        cat > "$T/aio.py" <<'PY'
        import asyncio, socket, struct, sys
        async def main(host, port, n):
            loop = asyncio.get_running_loop()
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self_ = refused = 0
            for _ in range(n):
                s = socket.socket(family, socket.SOCK_STREAM)
                s.setblocking(False)
                try:
                    await loop.sock_connect(s, (host, port))
                    if s.getsockname()[1] == s.getpeername()[1]:
                        self_ += 1
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except ConnectionRefusedError:
                    refused += 1
                except OSError as e:
                    print(e, file=sys.stderr)
                finally:
                    s.close()
            print(f"attempts={n} self={self_} refused={refused}")
        asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
        PY
        cat > "$T/reach.py" <<'PY'
        import asyncio, socket, sys
        request = b"GET / HTTP/1.0\r\n\r\n"
        if sys.argv[1] == "asyncio":
            async def main():
                reader, writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[2]))
                writer.write(request)
                line = await reader.readline()
                writer.close()
                return line
            line = asyncio.run(main())
        else:
            s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=5)
            s.sendall(request)
            line = s.makefile("rb").readline()
            s.close()
        print("reached=1" if b" 200 " in line else f"reached=0 {line!r}")
        PY
        cat > "$T/curl.sh" <<'SH'
        curl -v -s --max-time 5 -o /dev/null -w '%{local_port} %{remote_port}\n' "http://127.0.0.1:$P/[1-$ATTEMPTS]" > "$T/curl.out" 2> "$T/curl.err"
        echo "attempts=$ATTEMPTS self=$(awk -v p=$P '$1 == p && $2 == p' "$T/curl.out" | wc -l) refused=$(grep -c "port $P failed: Connection refused" "$T/curl.err")"
        SH
        cat > "$T/python.sh" <<'SH'
        python3 "$T/block.py" 127.0.0.1 $P $ATTEMPTS
        SH
        cat > "$T/asyncio.sh" <<'SH'
        python3 "$T/aio.py" 127.0.0.1 $P $ATTEMPTS
        SH
        cat > "$T/nc.sh" <<'SH'
        for ((i = 0; i < ATTEMPTS; i++)); do nc -z -v -w 2 127.0.0.1 $P; done > "$T/nc.out" 2>&1
        echo "attempts=$ATTEMPTS self=$(grep -c succeeded "$T/nc.out") refused=$(grep -c "failed: Connection refused" "$T/nc.out")"
        SH
        cat > "$T/bash.sh" <<'SH'
        self=0
        for ((i = 0; i < ATTEMPTS; i++)); do
            if { : <>/dev/tcp/127.0.0.1/$P; } 2>> "$T/bash.err"; then self=$((self + 1)); fi
        done
        echo "attempts=$ATTEMPTS self=$self refused=$(grep -c "connect: Connection refused" "$T/bash.err")"
        SH
        cat > "$T/reach-curl.sh" <<'SH'
        [ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/")" = 200 ] && echo reached=1
        SH
        cat > "$T/reach-python.sh" <<'SH'
        python3 "$T/reach.py" blocking $P
        SH
        cat > "$T/reach-asyncio.sh" <<'SH'
        python3 "$T/reach.py" asyncio $P
        SH
        cat > "$T/reach-nc.sh" <<'SH'
        printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 127.0.0.1 $P | head -1 | grep -q ' 200 ' && echo reached=1
        SH
        cat > "$T/reach-bash.sh" <<'SH'
        exec 3<>/dev/tcp/127.0.0.1/$P && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && head -1 <&3 | grep -q ' 200 ' && echo reached=1
        SH
        export T P ATTEMPTS
        # run POLICY SCRIPT: the script bare (POLICY none) or under `selfconnect guard --verbose --policy POLICY`.
        run() { if [ "$1" = none ]; then bash "$T/$2.sh"; else "$SELFCONNECT" guard --verbose --policy "$1" -- bash "$T/$2.sh" 2>> "$T/guard.log"; fi; }
        # decisions TEXT: the guard's log lines with TEXT (a program's stderr may hold them: curl's, nc's, bash's).
        decisions() { echo "decisions=$(cat "$T"/*.log "$T"/*.err "$T"/*.out 2>/dev/null | grep -c "$1")"; }
        # A real server binds $P (it can: no client holds it) and answers HTTP.
        serve() {
            python3 -m http.server $P --bind 127.0.0.1 --directory "$T" > /dev/null 2>&1 &
            SERVER=$!
            for ((i = 0; i < 100; i++)); do ss -Htln "sport = :$P" | grep -q LISTEN && { echo bound=1; return; }; sleep 0.05; done
            echo bound=0
        }

        """#
}
