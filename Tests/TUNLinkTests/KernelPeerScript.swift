/// The kernel's side of each interop scenario: a Python program run inside the test's namespace (`ip netns exec`),
/// printing one result line per fact, flushed, for the test to check.
let kernelPeerScript = #"""
import hashlib, os, socket, struct, sys

def out(*words):
    print(*words, flush=True)

def send_random(s, n):
    h = hashlib.sha256()
    left = n
    while left:
        b = os.urandom(min(65536, left))
        h.update(b)
        s.sendall(b)
        left -= len(b)
    return h.hexdigest()

def drain(s):
    h = hashlib.sha256()
    n = 0
    while True:
        b = s.recv(262144)
        if not b:
            return n, h.hexdigest()
        h.update(b)
        n += len(b)

def listener(host, port):
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((host, port))
    l.listen(1)
    l.settimeout(20)
    out("READY")
    c, _ = l.accept()
    c.settimeout(60)
    l.close()
    return c

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
arg = sys.argv[4] if len(sys.argv) > 4 else ""

if mode == "client-echo":
    # Sends arg, reads it back, closes first.
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(arg.encode())
    got = b""
    while len(got) < len(arg):
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    out("ECHO", got.decode())
elif mode == "client-bulk":
    # Sends arg bytes, half-closes, reads until the peer closes.
    s = socket.create_connection((host, port), timeout=60)
    sent = send_random(s, int(arg))
    s.shutdown(socket.SHUT_WR)
    n, got = drain(s)
    s.close()
    out("SENT", arg, sent)
    out("RECEIVED", n, got)
elif mode == "client-linger0":
    # Connects, then closes with SO_LINGER 0: a RST instead of a FIN.
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"x")
    s.recv(1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    out("ABORTED")
elif mode == "client-wait":
    # Connects, sends one byte and waits for data or an error.
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"x")
    try:
        out("DATA", s.recv(100))
    except ConnectionResetError:
        out("ECONNRESET")
    s.close()
elif mode == "client-refused":
    try:
        socket.create_connection((host, port), timeout=10)
        out("CONNECTED")
    except ConnectionRefusedError:
        out("ECONNREFUSED")
elif mode == "simultaneous":
    # Bound to a fixed port, connects to ours; our SYN crosses this one.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(arg)))
    s.settimeout(10)
    s.connect((host, port))
    out("LOCAL", s.getsockname()[1])
    s.sendall(b"from-kernel")
    got = b""
    while len(got) < 10:
        b = s.recv(100)
        if not b:
            break
        got += b
    out("GOT", got.decode())
    s.close()
elif mode == "server-echo":
    # Echoes until the peer closes, then closes.
    c = listener(host, port)
    total = 0
    while True:
        b = c.recv(4096)
        if not b:
            break
        c.sendall(b)
        total += len(b)
    c.close()
    out("EOF", total)
elif mode == "server-greet-close":
    # Sends arg and closes first.
    c = listener(host, port)
    c.sendall(arg.encode())
    c.close()
    out("CLOSED")
elif mode == "server-bulk":
    # Reads until the peer half-closes, then sends arg bytes and closes.
    c = listener(host, port)
    n, got = drain(c)
    sent = send_random(c, int(arg))
    c.close()
    out("RECEIVED", n, got)
    out("SENT", arg, sent)
elif mode == "server-linger0":
    # Accepts, reads one byte, then resets the connection.
    c = listener(host, port)
    c.recv(1)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    out("ABORTED")
else:
    out("BADMODE", mode)
    sys.exit(2)
"""#
